// Creating and polling runs, for the rules that need a real run.
import fc from 'fast-check';
import { contract } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import { validInput } from '../generators/index.ts';
import { createdRun, readRun as readRunOracle } from '../oracles/runs.ts';
import { configuredModel, type RuleRun } from './rule.ts';
import { createRun, readRun } from './requests.ts';
import type { Auth } from './session.ts';
import { adminClient } from './admin.ts';

export interface CreatedRun { id: string; costUsd: number; exchange: Exchange; auth: Auth }

/** A pool key to create and then read a run with: whether other keys of the account see it is undocumented. */
export function runKey(r: RuleRun, tag = 0): Auth {
  const { pool } = r.session.config.keys;
  return { kind: 'key', key: pool[tag % pool.length]! };
}

/** A key a rule made on the target (state API): a secret like the configured ones, shown as `$name` in every output. */
export function keepSecret(r: RuleRun, key: string, name: string): void {
  (r.session.secrets as Map<string, string>).set(key, `$${name}`);
}

/**
 * A key on a fresh account of its own (the emulator's state API), funded for `runs` runs of the
 * model's dearest input: for a rule that reads a balance, which other rules' creates on the configured
 * account would change under it. The key is a secret like the configured ones (`$name` in reports).
 */
export async function keyOnOwnAccount(r: RuleRun, runs: number, name: string): Promise<{ kind: 'key'; key: string }> {
  const admin = adminClient(r.session);
  const { price } = configuredModel(r.session);
  const dearest = Math.max(price.microUsd, ...Object.values(price.byField?.values ?? {}));
  const account = await admin.createAccount(runs * dearest);
  const { key } = await admin.createKey(account.id, {});
  keepSecret(r, key, name);
  return { kind: 'key', key };
}

/**
 * Run `body` with a pool key no other rule sends with meanwhile: a run's lifecycle polled at the
 * documented interval is never delayed by other rules' requests on its key.
 */
export async function withOwnPoolKey<T>(r: RuleRun, body: (auth: Auth) => Promise<T>): Promise<T> {
  const lease = await r.session.scheduler.lease();
  try {
    return await body({ kind: 'key', key: lease.key });
  } finally {
    lease.release();
  }
}

/** Create one run of the configured model; judges it as RUN-CREATE would, and returns it when created. */
export async function createOneRun(r: RuleRun, auth: Auth = runKey(r), tag = 0): Promise<CreatedRun | undefined> {
  const model = configuredModel(r.session);
  const [input] = fc.sample(validInput(model), { seed: r.session.config.seed + tag, numRuns: 1 });
  const exchange = await r.send(createRun({ model: model.id, input }, auth));
  if (!r.judge(exchange, createdRun(exchange, model.id))) return undefined;
  const body = exchange.response.json as { id: string; costUsd: number };
  return { id: body.id, costUsd: body.costUsd, exchange, auth };
}

/** Poll a run until it is terminal, at the documented interval on the run's clock. Bounded. */
export async function pollToEnd(r: RuleRun, id: string, auth: Auth, maxPolls = 120): Promise<{ history: string[]; last?: Exchange }> {
  const history: string[] = [];
  let last: Exchange | undefined;
  for (let i = 0; i < maxPolls; i++) {
    last = await r.send(readRun(id, auth));
    const { violations, status } = readRunOracle(last);
    if (!r.judge(last, violations) || !status) break;
    history.push(status);
    if (contract.limits.runs.terminalStatuses.includes(status)) return { history, last };
    await r.session.clock.sleep(contract.limits.runs.pollIntervalSeconds * 1000);
  }
  if (history.length && !contract.limits.runs.terminalStatuses.includes(history[history.length - 1]!)) {
    r.note(`run still ${history[history.length - 1]} after ${maxPolls} polls`);
  }
  return { history, ...(last ? { last } : {}) };
}
