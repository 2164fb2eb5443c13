// Provider states → what the proxy sends with: the fixture key each state maps to, the spent key of
// the rate-limited state, the run a read needs. Shared by the PACT rules and broker publishing.
import { contract, errorForFault } from '../contract/index.ts';
import type { Config } from '../settings/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import type { Auth, RequestSpec } from '../conformance/session.ts';
import { keyForFixture } from '../conformance/fixtures.ts';
import { absentRunId, readRun } from '../conformance/requests.ts';
import { matchingError } from '../oracles/error-answer.ts';
import type { PactCase } from './interactions.ts';
import type { StateSetup } from './proxy.ts';

export interface StateDeps {
  config: Config;
  send(spec: RequestSpec): Promise<Exchange>;
  /** The pool key the rate-limited state may spend (leased by the caller, so no one else uses it). */
  spendableKey?: string;
  /** Creates a run for the read state; undefined when the create failed. */
  createRun(auth: Auth): Promise<{ id: string; auth: Auth } | undefined>;
}

export const isRateLimitedCase = (c: PactCase): boolean => c.response.code === errorForFault('rateLimited').code;

/**
 * How the rate-limited state's key is leased: idle a whole window first. The burst that spends it then
 * fills the target's window with fresh requests only, so the key stays spent for about a window, far
 * longer than Pact's request takes to follow. A key used just before would free a slot as soon as its
 * oldest request left the window: Pact's request, a moment later, was admitted (a false failure seen
 * with one key behind latency).
 */
export const SPENDABLE_LEASE = { idleMs: contract.limits.rateLimit.windowSeconds * 1000 } as const;

/**
 * Spend `key`'s budget: bursts of limit + 1 raw requests sent together, so they land inside one
 * window at any latency, until the target answers one of them 429 RATE_LIMITED (bounded: two bursts).
 */
export async function exhaustKey(send: StateDeps['send'], key: string, tag: string): Promise<void> {
  const burst = contract.limits.rateLimit.requests + 1;
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(Array.from({ length: burst }, () => send(readRun(absentRunId(tag), { kind: 'key', key }, { raw: true }))));
    if (answers.some((e) => matchingError(e, [errorForFault('rateLimited')]))) return;
  }
}

/**
 * The state's setup. Only the rate-limited state spends a key (a raw burst, then a raw send); the
 * scheduler saw those sends, so that key's next paced request waits its window out: with one key,
 * what follows waits, and nothing of ours is refused. Every other state is paced on its key.
 */
export async function setUpState(c: PactCase, deps: StateDeps): Promise<StateSetup> {
  if (c.fixture === null) return { auth: { kind: 'header', value: null } };
  if (isRateLimitedCase(c)) {
    if (!deps.spendableKey) throw new Error(`${c.ruleId}: no pool key was set aside to spend`);
    await exhaustKey(deps.send, deps.spendableKey, c.ruleId);
    return { auth: { kind: 'key', key: deps.spendableKey }, raw: true };
  }
  if (c.request.readsProviderRun) {
    // "A run created with this API key": created and read with one and the same key (whether other
    // keys of the account see it is an observe rule's business). A failed create is judged by the
    // caller; Pact then has no run id and fails the read.
    const key = keyForFixture(deps.config, c.fixture);
    const auth: Auth = key ? { kind: 'key', key } : { kind: 'pool' };
    const run = await deps.createRun(auth);
    return run ? { auth, params: { runId: run.id } } : { auth };
  }
  const fixtureKey = c.fixture === 'apiKeys' ? undefined : keyForFixture(deps.config, c.fixture);
  return { auth: fixtureKey ? { kind: 'key', key: fixtureKey } : { kind: 'pool' } };
}
