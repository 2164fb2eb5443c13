// The emulator's state: accounts with a prepaid balance, keys, runs. Plain operations on plain data;
// the servers and the admin API call these. Money is in micro-USD; spend limits in cents.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { contract } from '../contract/index.ts';
import { choices } from '../contract/emulator-choices.ts';
import type { EmulatorClock } from './clock.ts';

export interface Account { id: string; balanceMicroUsd: number }

export interface KeyRecord {
  key: string;
  accountId: string;
  disabled: boolean;
  expiresAt: number | null;
  spendLimitCents: number | null;
  spentMicroUsd: number;
  ipWhitelist: string[];
  usageQuota: number | null;
  usageUsed: number;
  failNext: boolean;
}

export interface RunRecord {
  id: string;
  accountId: string;
  key: string;
  model: string;
  costUsd: number;
  createdAt: number;
  fails: boolean;
  settled: boolean;
}

export type KeySettings = Partial<Pick<KeyRecord, 'disabled' | 'expiresAt' | 'spendLimitCents' | 'spentMicroUsd' | 'ipWhitelist' | 'usageQuota' | 'usageUsed'>>;

export class StateError extends Error {
  override readonly name = 'StateError';
}

const BASE62 = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 'latin1');

// Cryptographic random bytes drawn from a pool: one system call per 4 KiB, not one per id (a run id
// under load would otherwise cost more than the rest of a create).
let randomPool = Buffer.alloc(0);
let randomAt = 0;
function randomByte(): number {
  if (randomAt >= randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  return randomPool[randomAt++]!;
}

/**
 * Written into bytes and read out as one flat string: built a character at a time, an id was a chain
 * of two dozen partial strings, which a Map hashes flat again and the garbage collector copies.
 */
export function randomBase62(length: number): string {
  const chars = Buffer.allocUnsafe(length);
  for (let n = 0; n < length; ) {
    // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
    const byte = randomByte();
    if (byte < 248) chars[n++] = BASE62[byte % 62]!;
  }
  return chars.toString('latin1');
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one caller. */
export function normaliseIp(address: string): string {
  const v4mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  return (v4mapped ? v4mapped[1]! : address).toLowerCase();
}

export type RunStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

export interface EmulatorState {
  readonly clock: EmulatorClock;
  createAccount(opts: { balanceMicroUsd: number }): Account;
  account(id: string): (Account & { keys: string[] }) | undefined;
  /** An account's balance in micro-USD (what the request path needs, without listing its keys). */
  balance(accountId: string): number | undefined;
  createKey(accountId: string, settings?: KeySettings): KeyRecord;
  updateKey(key: string, settings: KeySettings): KeyRecord;
  key(key: string): KeyRecord | undefined;
  failNextRun(key: string): void;
  /** Add to (or, negative, take from) an account's balance: a top-up, or a correction. */
  adjustBalance(accountId: string, deltaMicroUsd: number): Account;
  /** Charge and store a run; the caller has checked everything else. `at` only for the example run. */
  createRun(key: KeyRecord, model: string, costUsd: number, at?: { id: string; createdAt: number }): RunRecord;
  run(id: string): RunRecord | undefined;
  runStatus(run: RunRecord): RunStatus;
  /** Refund failed runs whose end has passed, and drop runs past retention. */
  settle(): void;
}

// Stryker disable all: validation of the admin (state) API's input, which only the suite's own fixture
// set-up calls, always with valid settings; it decides no answer of the public API (excluded from the
// mutation scope, issue 12).
function validateSettings(settings: KeySettings): void {
  const max = contract.limits.keys.ipWhitelistMax;
  if (settings.ipWhitelist) {
    if (settings.ipWhitelist.length > max) throw new StateError(`an IP whitelist holds at most ${max} addresses`);
    for (const ip of settings.ipWhitelist) if (isIP(ip) === 0) throw new StateError(`not an IP address: ${ip}`);
  }
  for (const field of ['spendLimitCents', 'usageQuota'] as const) {
    const v = settings[field];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0)) throw new StateError(`${field} must be a whole number ≥ 0 or null`);
  }
  for (const field of ['spentMicroUsd', 'usageUsed'] as const) {
    const v = settings[field];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new StateError(`${field} must be a whole number ≥ 0`);
  }
}
// Stryker restore all

export function createState(clock: EmulatorClock): EmulatorState {
  const accounts = new Map<string, Account>();
  const keys = new Map<string, KeyRecord>();
  const runs = new Map<string, RunRecord>();
  const unsettled = new Set<RunRecord>();
  // Runs in creation order, oldest at `head`: retention drops from the front in O(1), where walking
  // a Map from its start after many deletions costs more with every run (the emulator under load).
  const order: RunRecord[] = [];
  let head = 0;
  const { processingAfter, terminalAfter } = choices.lifecycleMs;
  const { idPrefix } = contract.limits.runs;

  const state: EmulatorState = {
    clock,
    createAccount({ balanceMicroUsd }) {
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!Number.isInteger(balanceMicroUsd) || balanceMicroUsd < 0) throw new StateError('balanceMicroUsd must be a whole number ≥ 0');
      const account = { id: `acct_${randomBase62(16)}`, balanceMicroUsd };
      accounts.set(account.id, account);
      return account;
    },
    account(id) {
      state.settle();
      const account = accounts.get(id);
      return account && { ...account, keys: [...keys.values()].filter((k) => k.accountId === id).map((k) => k.key) };
    },
    balance(accountId) {
      state.settle();
      return accounts.get(accountId)?.balanceMicroUsd;
    },
    createKey(accountId, settings = {}) {
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!accounts.has(accountId)) throw new StateError(`no account ${accountId}`);
      validateSettings(settings);
      const record: KeyRecord = {
        key: `${contract.limits.keys.prefix}${randomBase62(choices.keyRandomChars)}`,
        accountId, disabled: false, expiresAt: null, spendLimitCents: null, spentMicroUsd: 0,
        ipWhitelist: [], usageQuota: null, usageUsed: 0, failNext: false, ...settings,
      };
      keys.set(record.key, record);
      return record;
    },
    updateKey(key, settings) {
      const record = keys.get(key);
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!record) throw new StateError('no such key');
      validateSettings(settings);
      Object.assign(record, settings);
      return record;
    },
    key: (key) => keys.get(key),
    failNextRun(key) {
      const record = keys.get(key);
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!record) throw new StateError('no such key');
      record.failNext = true;
    },
    adjustBalance(accountId, delta) {
      const account = accounts.get(accountId);
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!account) throw new StateError(`no account ${accountId}`);
      // Stryker disable next-line all: admin-API input validation (see validateSettings)
      if (!Number.isInteger(delta)) throw new StateError('the amount must be a whole number of micro-USD');
      account.balanceMicroUsd += delta;
      return { ...account };
    },
    createRun(key, model, costUsd, at) {
      const id = at?.id ?? idPrefix + randomBase62(choices.runIdRandomChars);
      const account = accounts.get(key.accountId)!;
      account.balanceMicroUsd -= costUsd;
      key.spentMicroUsd += costUsd;
      key.usageUsed += 1;
      const run: RunRecord = { id, accountId: key.accountId, key: key.key, model, costUsd, createdAt: at?.createdAt ?? clock.now(), fails: key.failNext, settled: false };
      key.failNext = false;
      runs.set(run.id, run);
      order.push(run);
      if (run.fails) unsettled.add(run);
      state.settle();
      return run;
    },
    run(id) {
      state.settle();
      return runs.get(id);
    },
    runStatus(run) {
      const age = clock.now() - run.createdAt;
      if (age < processingAfter) return 'pending';
      if (age < terminalAfter) return 'processing';
      return run.fails ? 'failed' : 'succeeded';
    },
    settle() {
      const now = clock.now();
      for (const run of unsettled) {
        if (now - run.createdAt < terminalAfter) continue;
        // A failed run is refunded in full: the balance and the key's spend.
        const account = accounts.get(run.accountId);
        const key = keys.get(run.key);
        if (account) account.balanceMicroUsd += run.costUsd;
        if (key) key.spentMicroUsd = Math.max(0, key.spentMicroUsd - run.costUsd);
        run.settled = true;
        unsettled.delete(run);
      }
      // Bounded memory: oldest runs go first; an old run still to be refunded holds the rest back.
      const { maxRuns, maxAgeMs } = choices.runRetention;
      while (head < order.length) {
        const run = order[head]!;
        if ((runs.size <= maxRuns && now - run.createdAt <= maxAgeMs) || unsettled.has(run)) break;
        runs.delete(run.id);
        head++;
      }
      if (head > 1024 && head * 2 > order.length) {
        order.splice(0, head);
        head = 0;
      }
    },
  };
  return state;
}
