// The client-side scheduler: keeps every key within the documented budget (a sliding-window log of
// send times per key, which also stays inside any fixed window), spreads work over the key pool,
// lends keys out exclusively to the rate-limit rules, and retries a stray 429 with the documented
// backoff (or the target's Retry-After, up to a cap), recording it as an environment event. Every send
// is kept with its send and receive times, so a refusal can be judged against what the key provably
// sent (src/oracles/rate-window.ts). All waiting is on a Clock.
import { contract } from '../contract/index.ts';
import { isRateLimited } from '../oracles/error-answer.ts';
import type { TimedSend } from '../oracles/rate-window.ts';
import { activity, type Clock } from './clock.ts';
import { TargetError, type Exchange } from '../contract/exchange.ts';
import { retryAfterMs } from './retry-after.ts';

/** A send of one key with its times; `exchange` is the answer. */
export interface KeySend extends TimedSend { exchange: Exchange }

/** The target asked (Retry-After) for a longer wait than the run allows: exit 2, not a verdict. */
export class Throttled extends TargetError {}

export interface SchedulerEvent {
  kind: 'rate-limited-retry' | 'rate-limited-gave-up';
  /** A label, never the key itself. */
  key: string;
  attempt: number;
  waitedMs: number;
  at: number;
  rule?: string;
}

export interface Lease { key: string; release(): void }

export interface Scheduler {
  /** Send with `key`, or with the pool key that can send soonest; paced, and retried on a 429. */
  send(choice: { key: string } | { pool: true }, send: (key: string) => Promise<Exchange>, tag?: string, opts?: { retries?: number }): Promise<Exchange>;
  /** Send once with `key`, unpaced and never retried, timed and kept in the key's history. */
  sendRaw(key: string, send: () => Promise<Exchange>): Promise<Exchange>;
  /** Record a send made outside the scheduler (its time is now). */
  record(key: string): void;
  /** Every timed send of `key` so far, oldest first. */
  history(key: string): readonly KeySend[];
  /** The limit the scheduler paces by. */
  readonly limit: { requests: number; windowMs: number; marginMs: number };
  /** Take a pool key for exclusive use, once it has been idle `idleMs`. */
  lease(opts?: { idleMs?: number; exclude?: readonly string[] }): Promise<Lease>;
  /** The earliest time `key` may send again. */
  readyAt(key: string): number;
  events(): SchedulerEvent[];
  stats(): { requests: number; perKey: Record<string, number> };
}

export interface SchedulerOptions {
  clock: Clock;
  pool: readonly string[];
  limit?: { requests: number; windowMs: number };
  /** Extra wait past the window, against clock skew and latency. */
  marginMs?: number;
  labelOf?: (key: string) => string;
  onEvent?: (event: SchedulerEvent) => void;
  /** The longest Retry-After honoured; a longer one ends the run (Throttled). Default 60 s. */
  maxRetryAfterMs?: number;
}

/** Sends a leased key has budget for when it is handed over, idle time or not. */
const SHORT_LEASE_SENDS = 3;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { clock } = opts;
  const limit = opts.limit ?? { requests: contract.limits.rateLimit.requests, windowMs: contract.limits.rateLimit.windowSeconds * 1000 };
  const margin = opts.marginMs ?? 0;
  const backoff = contract.limits.rateLimit.backoffSeconds.map((s) => s * 1000);
  const logs = new Map<string, number[]>();
  const leased = new Set<string>();
  /** Pool keys some rule sends with by name (not through the pool): leases and pool sends avoid them. */
  const pinned = new Set<string>();
  /**
   * The first pool keys are the ones rules name (a run is created and polled on key#1, read with
   * key#2, …): leases that wait out a window (the rate-limit rules) leave them to those rules while
   * other keys can serve, so such a lease never stalls them. Small pools keep every key leasable.
   */
  const reservedForNamed = new Set(opts.pool.slice(0, Math.max(0, Math.min(2, opts.pool.length - 2))));
  /** Leases with idle time now held. */
  let longLeases = 0;
  /** Which rule holds each leased key. */
  const owners = new Map<string, string | undefined>();
  const events: SchedulerEvent[] = [];
  const perKey = new Map<string, number>();
  const histories = new Map<string, KeySend[]>();
  const maxRetryAfter = opts.maxRetryAfterMs ?? 60_000;
  let seq = 0;
  const labels = new Map<string, string>();
  const labelOf = opts.labelOf ?? ((key: string) => {
    if (!labels.has(key)) labels.set(key, `key#${labels.size + 1}`);
    return labels.get(key)!;
  });

  const logOf = (key: string): number[] => {
    let log = logs.get(key);
    if (!log) logs.set(key, (log = []));
    return log;
  };

  function readyAt(key: string): number {
    return readyFor(key, 1);
  }

  /** The earliest time `key` has budget for `sends` more sends in the window. */
  function readyFor(key: string, sends: number): number {
    const log = logOf(key);
    const now = clock.now();
    // Forget what has left the window; keep the log bounded.
    while (log.length > 0 && log[0]! <= now - limit.windowMs - margin) log.shift();
    const allowed = limit.requests - sends;
    if (log.length <= allowed) return now;
    return log[log.length - allowed - 1]! + limit.windowMs + margin + 1;
  }

  function record(key: string): void {
    logOf(key).push(clock.now());
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }

  /** Send once, timed; the pacing log gets the receive time, which bounds when the server counted it. */
  async function timed(key: string, fn: () => Promise<Exchange>, o: { paced?: boolean } = {}): Promise<Exchange> {
    const sentAt = clock.now();
    const sentSeq = seq++;
    const exchange = await fn();
    const entry: KeySend = { sentAt, sentSeq, receivedAt: clock.now(), receivedSeq: seq++, admitted: !isRateLimited(exchange), exchange };
    let history = histories.get(key);
    if (!history) histories.set(key, (history = []));
    history.push(entry);
    // Bounded: older than a few windows can no longer matter to any judgement.
    while (history.length > 4 * limit.requests && history[0]!.receivedAt < entry.sentAt - 3 * limit.windowMs) history.shift();
    // A paced send already holds its slot in the pacing log (settled by `send`).
    if (!o.paced) record(key);
    return exchange;
  }

  /** How long to wait before retry `attempt`: the documented backoff, or longer when Retry-After asks. */
  function retryWait(exchange: Exchange, key: string, attempt: number): number {
    const asked = retryAfterMs(exchange, Date.now());
    if (asked !== undefined && asked > maxRetryAfter) {
      throw new Throttled(`the target throttles ${labelOf(key)} for ${Math.ceil(asked / 1000)} s (Retry-After), longer than RUNBASE_MAX_RETRY_AFTER_S=${Math.round(maxRetryAfter / 1000)}`);
    }
    return Math.max(backoff[attempt]!, asked ?? 0);
  }

  async function waitUntil(t: number): Promise<void> {
    const wait = t - clock.now();
    if (wait > 0) await clock.sleep(wait);
  }

  function soonestPoolKey(exclude: readonly string[] = []): string {
    const free = opts.pool.filter((k) => !leased.has(k) && !exclude.includes(k));
    if (free.length === 0) throw new Error('every pool key is leased; no key is left to send with');
    // Ties go first to keys no rule names explicitly (their budget is left to the rules pinned to
    // them, e.g. to poll a run on the key that created it), then to pool order: deterministic.
    return free.reduce((best, k) => (readyAt(k) < readyAt(best) || (readyAt(k) === readyAt(best) && pinned.has(best) && !pinned.has(k)) ? k : best));
  }

  function event(kind: SchedulerEvent['kind'], key: string, attempt: number, waitedMs: number, tag?: string) {
    const e: SchedulerEvent = { kind, key: labelOf(key), attempt, waitedMs, at: clock.now(), ...(tag ? { rule: tag } : {}) };
    events.push(e);
    opts.onEvent?.(e);
  }

  /** Resolves at the next release of a leased key (rules running at the same time wait their turn). */
  let released: { promise: Promise<void>; resolve: () => void } | undefined;
  function nextRelease(): Promise<void> {
    if (!released) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      released = { promise, resolve };
    }
    return clock.idle ? clock.idle(released.promise) : released.promise;
  }
  function announceRelease(): void {
    const waiting = released;
    released = undefined;
    waiting?.resolve();
  }

  /**
   * Wait until `key` (or the pool key that can send soonest) may send, and take the slot at once:
   * the send counts from now, so rules sending at the same time never overrun a key's budget.
   */
  async function acquire(choice: { key: string } | { pool: true }): Promise<{ key: string; slot: number }> {
    for (;;) {
      if (!('key' in choice) && opts.pool.every((k) => leased.has(k))) {
        await nextRelease();
        continue;
      }
      if ('key' in choice && !leased.has(choice.key)) pinned.add(choice.key);
      // A key lent to another rule is its alone until it comes back (its owner sends raw or paced).
      if ('key' in choice && leased.has(choice.key) && owners.get(choice.key) !== activity.current()) {
        await nextRelease();
        continue;
      }
      const key = 'key' in choice ? choice.key : soonestPoolKey();
      const at = readyAt(key);
      if (at <= clock.now()) {
        const slot = clock.now();
        logOf(key).push(slot);
        return { key, slot };
      }
      await waitUntil(at);
    }
  }

  /** The answer is back: the send counts from then (when the server counted it at the latest). */
  function settle(key: string, slot: number): void {
    const log = logOf(key);
    const i = log.indexOf(slot);
    if (i !== -1) log.splice(i, 1);
    log.push(clock.now());
    log.sort((a, b) => a - b);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }

  async function send(choice: { key: string } | { pool: true }, fn: (key: string) => Promise<Exchange>, tag?: string, o: { retries?: number } = {}): Promise<Exchange> {
    const retries = Math.min(o.retries ?? backoff.length, backoff.length);
    let key: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const taken = await acquire(key === undefined ? choice : { key });
      const k = (key = taken.key);
      let exchange: Exchange;
      try {
        exchange = await timed(k, () => fn(k), { paced: true });
      } finally {
        // The time the answer came back bounds when the server counted the request.
        settle(k, taken.slot);
      }
      if (!isRateLimited(exchange)) return exchange;
      if (attempt >= retries) {
        if (retries === 0) return exchange;
        event('rate-limited-gave-up', key, attempt + 1, 0, tag);
        return exchange;
      }
      const wait = retryWait(exchange, key, attempt);
      event('rate-limited-retry', key, attempt + 1, wait, tag);
      await clock.sleep(wait);
    }
  }

  async function lease(o: { idleMs?: number; exclude?: readonly string[] } = {}): Promise<Lease> {
    const idle = o.idleMs ?? 0;
    // Idle for `idleMs`, and with budget for a few sends: a lease with no idle time (a Pact check,
    // which sends up to two requests unpaced) may come right after other rules filled the key's window.
    const idleSince = (k: string) => {
      const log = logOf(k);
      return log.length === 0 ? clock.now() : Math.max(clock.now(), log[log.length - 1]! + idle + margin + 1, readyFor(k, SHORT_LEASE_SENDS));
    };
    const candidates = opts.pool.filter((k) => !(o.exclude ?? []).includes(k));
    if (candidates.length === 0) throw new Error('no pool key is free to lease');
    // Every candidate lent out (rules running at the same time): wait for one to come back.
    // Keys left to the rules that name them, unless nothing else could ever serve this lease.
    // A lease with no idle time (a Pact check) is short and may take any key.
    const leasable = idle > 0 && candidates.some((k) => !reservedForNamed.has(k)) ? candidates.filter((k) => !reservedForNamed.has(k)) : candidates;
    // Leases that wait out a window hold a key unused meanwhile: at most all keys but one at a time,
    // so pool work always has a key (a rule that already holds one may take a second: RL-PER-KEY).
    const long = idle > 0;
    const holdsOne = [...owners.values()].some((owner) => owner !== undefined && owner === activity.current());
    const roomForLong = () => !long || holdsOne || longLeases < Math.max(1, opts.pool.length - 1);
    let free = leasable.filter((k) => !leased.has(k));
    while (free.length === 0 || !roomForLong()) {
      await nextRelease();
      free = leasable.filter((k) => !leased.has(k));
    }
    if (long) longLeases++;
    // The key idle soonest; on a tie one no rule names explicitly, the last in the pool first (the
    // rules that name pool keys name the first ones), so a lease rarely makes another rule wait.
    const rank = (k: string) => [idleSince(k), pinned.has(k) ? 1 : 0, -opts.pool.indexOf(k)] as const;
    const before = (a: readonly number[], b: readonly number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
    const key = free.reduce((best, k) => (before(rank(k), rank(best)) < 0 ? k : best));
    leased.add(key);
    owners.set(key, activity.current());
    // Sends that already took their slot on this key finish first; the idle time counts from them.
    await waitUntil(idleSince(key));
    while (idleSince(key) > clock.now()) await waitUntil(idleSince(key));
    return { key, release: () => { leased.delete(key); owners.delete(key); if (long) longLeases--; announceRelease(); } };
  }

  return {
    send,
    sendRaw: (key, fn) => timed(key, fn),
    record,
    history: (key) => histories.get(key) ?? [],
    limit: { ...limit, marginMs: margin },
    lease,
    readyAt,
    events: () => [...events],
    stats: () => ({ requests: [...perKey.values()].reduce((a, b) => a + b, 0), perKey: Object.fromEntries([...perKey].map(([k, n]) => [labelOf(k), n])) }),
  };
}
