// Model-based accounting: fast-check commands (create, create a run that fails) run against a fresh
// account on the target and against a small model of the documented money semantics. After every
// command the emulator's state API must agree with the model; every answer must be one the model allows.
//
// Documented (runbase-api.md §3, §5): cost is taken from the balance at create; a failed run is refunded
// in full; a key's lifetime spend counts its runs' costs, a cap set in cents (1 cent = 10,000 micro-USD)
// blocks once spend reaches it; an exhausted usage quota is 429 USAGE_EXCEEDED.
// Left open, so the model allows either reading: balance == cost; a run that would cross the cap;
// whether a refund also lowers the key's spend; the quota's unit (the model reads the target's own
// counter, and asks only that it never goes down and that a created run uses some of it).
import fc from 'fast-check';
import { contract, type FaultName } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import { isOneOfErrors } from '../oracles/error-answer.ts';
import { createdRun } from '../oracles/runs.ts';
import { violation, type Violation } from '../oracles/types.ts';
import type { AdminClient } from './admin.ts';
import { createRun, expectedFor } from './requests.ts';
import type { Auth, RequestSpec } from './session.ts';
import type { AccountSetup } from '../generators/accounting.ts';

export interface KeyModel { spendLimitCents: number | null; usageQuota: number | null; spentMin: number; spentMax: number; usage: number }
export interface AccountModel { balance: number; cost: number; keys: KeyModel[] }

/** The real side: the target's keys of this account, and how to talk to it. */
export interface AccountReal {
  accountId: string;
  keys: string[];
  admin: AdminClient;
  model: { id: string; input: Record<string, unknown> };
  send(spec: RequestSpec): Promise<Exchange>;
  /** Wait on the run's clock (advances a virtual one). */
  sleep(ms: number): Promise<void>;
}

/** A broken expectation found by a command; ends the sequence. */
export class AccountingViolation extends Error {
  constructor(readonly violations: Violation[], readonly exchange?: Exchange) {
    super(violations.map((v) => v.message).join('; '));
  }
}

export type Outcome = { must: FaultName[]; may: FaultName[] };

const capOf = (k: KeyModel) => (k.spendLimitCents === null ? Infinity : k.spendLimitCents * contract.limits.money.microUsdPerCent);

/** The faults a create with key `i` definitely has (`must`) and may have (`may`, the undocumented readings). */
export function expectedOutcome(m: AccountModel, i: number): Outcome {
  const k = m.keys[i]!;
  const must: FaultName[] = [];
  const may: FaultName[] = [];
  if (k.usageQuota !== null && k.usage >= k.usageQuota) must.push('quotaExhausted');
  const cap = capOf(k);
  if (k.spentMin >= cap) must.push('spendReached');
  else if (k.spentMax + m.cost > cap) may.push('spendReached');
  if (m.balance < m.cost) must.push('lowBalance');
  else if (m.balance === m.cost) may.push('lowBalance');
  return { must, may };
}

function judgeCreate(exchange: Exchange, outcome: Outcome, modelId: string): Violation[] {
  const refusals = [...outcome.must, ...outcome.may];
  if (outcome.must.length) return isOneOfErrors(exchange, expectedFor(...refusals));
  const created = createdRun(exchange, modelId);
  if (created.length === 0 || refusals.length === 0) return created;
  // Either reading is allowed: created, or refused for one of the open reasons.
  return isOneOfErrors(exchange, expectedFor(...refusals)).length === 0 ? [] : created;
}

const isCreated = (e: Exchange) => e.response.status === contract.limits.endpoints.createRun.successStatus;

/** After every command: the balance is exact, the key's spend within the model's bounds, usage never down. */
async function checkState(m: AccountModel, r: AccountReal, exchange: Exchange | undefined, createdWith?: number): Promise<void> {
  const found: Violation[] = [];
  const balance = await r.admin.balance(r.accountId);
  if (balance !== m.balance) found.push(...violation('accountBalance', 'the balance is not what charges at create and full refunds leave', String(m.balance), String(balance)));
  for (const [i, key] of r.keys.entries()) {
    const k = m.keys[i]!;
    const seen = await r.admin.key(key);
    if (seen.spentMicroUsd < k.spentMin || seen.spentMicroUsd > k.spentMax) {
      const expected = k.spentMin === k.spentMax ? String(k.spentMin) : `${k.spentMin}…${k.spentMax}`;
      found.push(...violation('keySpend', `key #${i + 1}'s spend is not the sum of its runs' costs (less refunds)`, expected, String(seen.spentMicroUsd)));
    }
    if (seen.usageUsed < k.usage) found.push(...violation('keyUsage', `key #${i + 1}'s usage counter went down`, `≥ ${k.usage}`, String(seen.usageUsed)));
    else if (createdWith === i && seen.usageUsed === k.usage) found.push(...violation('keyUsage', `a run created with key #${i + 1} used none of its quota`, `> ${k.usage}`, String(seen.usageUsed)));
    k.usage = seen.usageUsed;
  }
  if (found.length) throw new AccountingViolation(found, exchange);
}

async function create(m: AccountModel, r: AccountReal, i: number): Promise<Exchange> {
  const auth: Auth = { kind: 'key', key: r.keys[i]! };
  return r.send(createRun({ model: r.model.id, input: r.model.input }, auth));
}

/** A create with key `i`: judged against the model, then the state checked. */
export class CreateCommand implements fc.AsyncCommand<AccountModel, AccountReal> {
  constructor(readonly i: number) {}
  check = (m: Readonly<AccountModel>) => this.i < m.keys.length;
  async run(m: AccountModel, r: AccountReal): Promise<void> {
    const outcome = expectedOutcome(m, this.i);
    const exchange = await create(m, r, this.i);
    const wrong = judgeCreate(exchange, outcome, r.model.id);
    if (wrong.length) throw new AccountingViolation(wrong, exchange);
    if (isCreated(exchange)) {
      const cost = (exchange.response.json as { costUsd: number }).costUsd;
      m.balance -= cost;
      m.keys[this.i]!.spentMin += cost;
      m.keys[this.i]!.spentMax += cost;
    }
    await checkState(m, r, exchange, isCreated(exchange) ? this.i : undefined);
  }
  toString = () => `create(key #${this.i + 1})`;
}

/** A create with key `i` that the emulator is told to fail: charged at create, refunded in full once failed. */
export class FailingCreateCommand implements fc.AsyncCommand<AccountModel, AccountReal> {
  constructor(readonly i: number) {}
  // Only when the create is sure to be admitted, so the armed failure is used by this very run.
  check = (m: Readonly<AccountModel>) => {
    if (this.i >= m.keys.length) return false;
    const { must, may } = expectedOutcome(m as AccountModel, this.i);
    return must.length === 0 && may.length === 0;
  };
  async run(m: AccountModel, r: AccountReal): Promise<void> {
    await r.admin.failNextRun(r.keys[this.i]!);
    const exchange = await create(m, r, this.i);
    const wrong = createdRun(exchange, r.model.id);
    if (wrong.length) throw new AccountingViolation(wrong, exchange);
    const { id, costUsd } = exchange.response.json as { id: string; costUsd: number };
    m.balance -= costUsd;
    m.keys[this.i]!.spentMin += costUsd;
    m.keys[this.i]!.spentMax += costUsd;
    await checkState(m, r, exchange, this.i);
    const [, failed] = contract.limits.runs.terminalStatuses as [string, string];
    let status: string | undefined;
    for (let poll = 0; poll < 60; poll++) {
      status = await r.admin.runStatus(id);
      if (status && contract.limits.runs.terminalStatuses.includes(status)) break;
      await r.sleep(contract.limits.runs.pollIntervalSeconds * 1000);
    }
    if (status !== failed) throw new AccountingViolation(violation('failedRun', 'the run the emulator was told to fail did not fail', failed, String(status)), exchange);
    // Refunded in full: the balance surely; the key's spend may or may not be given back (undocumented).
    m.balance += costUsd;
    m.keys[this.i]!.spentMin -= costUsd;
    await checkState(m, r, exchange);
  }
  toString = () => `create-failing(key #${this.i + 1})`;
}

/** Commands over an account with `keys` keys. */
export function accountingCommands(keys: number, maxCommands: number): fc.Arbitrary<Iterable<fc.AsyncCommand<AccountModel, AccountReal>>> {
  const key = fc.integer({ min: 0, max: keys - 1 });
  return fc.commands([key.map((i) => new CreateCommand(i)), key.map((i) => new FailingCreateCommand(i))], { maxCommands, size: 'max' });
}

/** The model of a fresh account as set up. */
export function initialModel(setup: AccountSetup, cost: number): AccountModel {
  return {
    balance: setup.balanceMicroUsd,
    cost,
    keys: setup.keys.map((k) => ({ spendLimitCents: k.spendLimitCents, usageQuota: k.usageQuota, spentMin: 0, spentMax: 0, usage: 0 })),
  };
}
