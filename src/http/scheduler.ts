// The client-side scheduler: keeps every key within the documented budget (scheduler/pacing.ts),
// spreads work over the key pool, lends keys out exclusively to the rate-limit rules
// (scheduler/leases.ts), and retries a stray 429 with the documented backoff or the target's
// Retry-After, up to a cap (scheduler/retry.ts), recording it as an environment event. Every send is
// kept with its send and receive times, so a refusal can be judged against what the key provably sent
// (src/oracles/rate-window.ts). All waiting is on a Clock.
import { contract } from '../contract/index.ts';
import { isRateLimited } from '../oracles/error-answer.ts';
import type { TimedSend } from '../oracles/rate-window.ts';
import { activity, type Clock } from './clock.ts';
import type { Exchange } from '../contract/exchange.ts';
import { createBudgets } from './scheduler/pacing.ts';
import { createLeases, type Lease, type LeaseOptions } from './scheduler/leases.ts';
import { backoffMs, retryWait } from './scheduler/retry.ts';

export { Throttled, throttledPast } from './scheduler/retry.ts';
export type { Lease, LeaseOptions } from './scheduler/leases.ts';

/** A send of one key with its times; `exchange` is the answer. */
export interface KeySend extends TimedSend { exchange: Exchange }

export interface SchedulerEvent {
  kind: 'rate-limited-retry' | 'rate-limited-gave-up';
  /** A label, never the key itself. */
  key: string;
  attempt: number;
  waitedMs: number;
  at: number;
  rule?: string;
}

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
  lease(opts?: LeaseOptions): Promise<Lease>;
  /** The earliest time `key` may send again. */
  readyAt(key: string): number;
  /**
   * The pool keys a rule should name when any key would do: the ones leases leave alone (past four
   * keys), so its sends never wait out a rate-limit rule's chain of leases on one key.
   */
  namedKeys(): readonly string[];
  events(): SchedulerEvent[];
  stats(): { requests: number; perKey: Record<string, number> };
  /**
   * What `rule` took of the keys: the sends the target admitted (not 429), per key label, and the key
   * time its leases with idle time held beyond the budget of what they admitted (a key kept idle for
   * a rate-limit rule, which no other work can use while it is the only key).
   */
  usage(rule: string): RuleUsage;
}

export interface RuleUsage { admitted: Record<string, number>; leaseIdleMs: number; leaseMs: number }

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

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { clock } = opts;
  const limit = opts.limit ?? { requests: contract.limits.rateLimit.requests, windowMs: contract.limits.rateLimit.windowSeconds * 1000 };
  const margin = opts.marginMs ?? 0;
  const budgets = createBudgets(clock, limit, margin);
  /** Admitted sends per key, and per rule per key. */
  const admittedPerKey = new Map<string, number>();
  const usages = new Map<string, { admitted: Map<string, number>; leaseIdleMs: number; leaseMs: number }>();
  const usageOf = (rule: string | undefined) => {
    const name = rule ?? '';
    let u = usages.get(name);
    if (!u) usages.set(name, (u = { admitted: new Map(), leaseIdleMs: 0, leaseMs: 0 }));
    return u;
  };
  /** The key time one admitted send uses of the budget. */
  const msPerSend = limit.windowMs / limit.requests;
  const leases = createLeases(clock, opts.pool, budgets, margin, {
    admittedOf: (key) => admittedPerKey.get(key) ?? 0,
    onLongRelease: (l) => {
      const u = usageOf(l.owner);
      u.leaseMs += l.releasedAt - l.idleFrom;
      u.leaseIdleMs += Math.max(0, l.releasedAt - l.idleFrom - l.admitted * msPerSend);
    },
  });
  const events: SchedulerEvent[] = [];
  const perKey = new Map<string, number>();
  const histories = new Map<string, KeySend[]>();
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  let seq = 0;
  const labels = new Map<string, string>();
  const labelOf = opts.labelOf ?? ((key: string) => {
    if (!labels.has(key)) labels.set(key, `key#${labels.size + 1}`);
    return labels.get(key)!;
  });

  const readyAt = (key: string): number => budgets.readyFor(key, 1);
  const count = (key: string) => { perKey.set(key, (perKey.get(key) ?? 0) + 1); };

  function record(key: string): void {
    budgets.record(key);
    count(key);
  }

  /** Send once, timed; the pacing log gets the receive time, which bounds when the server counted it. */
  async function timed(key: string, fn: () => Promise<Exchange>, o: { paced?: boolean } = {}): Promise<Exchange> {
    const sentAt = clock.now();
    const sentSeq = seq++;
    const exchange = await fn();
    const entry: KeySend = { sentAt, sentSeq, receivedAt: clock.now(), receivedSeq: seq++, admitted: !isRateLimited(exchange), exchange };
    if (entry.admitted) {
      admittedPerKey.set(key, (admittedPerKey.get(key) ?? 0) + 1);
      const perRule = usageOf(activity.current()).admitted;
      perRule.set(key, (perRule.get(key) ?? 0) + 1);
    }
    let history = histories.get(key);
    if (!history) histories.set(key, (history = []));
    history.push(entry);
    // Bounded: older than a few windows can no longer matter to any judgement.
    while (history.length > 4 * limit.requests && history[0]!.receivedAt < entry.sentAt - 3 * limit.windowMs) history.shift();
    // A paced send already holds its slot in the pacing log (settled by `send`).
    if (!o.paced) record(key);
    return exchange;
  }

  async function waitUntil(t: number): Promise<void> {
    const wait = t - clock.now();
    if (wait > 0) await clock.sleep(wait);
  }

  function soonestPoolKey(): string {
    const free = opts.pool.filter((k) => !leases.isLeased(k));
    if (free.length === 0) throw new Error('every pool key is leased; no key is left to send with');
    // Ties go first to keys no rule names explicitly (their budget is left to the rules pinned to
    // them, e.g. to poll a run on the key that created it), then to pool order: deterministic.
    return free.reduce((best, k) => (readyAt(k) < readyAt(best) || (readyAt(k) === readyAt(best) && leases.isPinned(best) && !leases.isPinned(k)) ? k : best));
  }

  function event(kind: SchedulerEvent['kind'], key: string, attempt: number, waitedMs: number, tag?: string) {
    const e: SchedulerEvent = { kind, key: labelOf(key), attempt, waitedMs, at: clock.now(), ...(tag ? { rule: tag } : {}) };
    events.push(e);
    opts.onEvent?.(e);
  }

  /**
   * Wait until `key` (or the pool key that can send soonest) may send, and take the slot at once:
   * the send counts from now, so rules sending at the same time never overrun a key's budget.
   */
  async function acquire(choice: { key: string } | { pool: true }): Promise<{ key: string; slot: number }> {
    for (;;) {
      if (!('key' in choice) && opts.pool.every((k) => leases.isLeased(k))) {
        await leases.nextRelease();
        continue;
      }
      if ('key' in choice && !leases.isLeased(choice.key)) leases.pin(choice.key);
      // A key lent to another rule is its alone until it comes back (its owner sends raw or paced).
      if ('key' in choice && leases.heldByOther(choice.key)) {
        await leases.nextRelease();
        continue;
      }
      const key = 'key' in choice ? choice.key : soonestPoolKey();
      const at = readyAt(key);
      if (at <= clock.now()) return { key, slot: budgets.take(key) };
      await waitUntil(at);
    }
  }

  async function send(choice: { key: string } | { pool: true }, fn: (key: string) => Promise<Exchange>, tag?: string, o: { retries?: number } = {}): Promise<Exchange> {
    const retries = Math.min(o.retries ?? backoffMs.length, backoffMs.length);
    let key: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const taken = await acquire(key === undefined ? choice : { key });
      const k = (key = taken.key);
      let exchange: Exchange;
      try {
        exchange = await timed(k, () => fn(k), { paced: true });
      } finally {
        // The time the answer came back bounds when the server counted the request.
        budgets.settle(k, taken.slot);
        count(k);
      }
      if (!isRateLimited(exchange)) return exchange;
      if (attempt >= retries) {
        if (retries === 0) return exchange;
        event('rate-limited-gave-up', key, attempt + 1, 0, tag);
        return exchange;
      }
      const wait = retryWait(exchange, attempt, { maxRetryAfterMs, label: labelOf(key) });
      event('rate-limited-retry', key, attempt + 1, wait, tag);
      await clock.sleep(wait);
    }
  }

  return {
    send,
    sendRaw: (key, fn) => timed(key, fn),
    record,
    history: (key) => histories.get(key) ?? [],
    limit: { ...limit, marginMs: margin },
    lease: leases.lease,
    readyAt,
    namedKeys: leases.namedKeys,
    events: () => [...events],
    usage: (rule) => {
      const u = usageOf(rule);
      return { admitted: Object.fromEntries([...u.admitted].map(([k, n]) => [labelOf(k), n])), leaseIdleMs: Math.round(u.leaseIdleMs), leaseMs: Math.round(u.leaseMs) };
    },
    stats: () => ({ requests: [...perKey.values()].reduce((a, b) => a + b, 0), perKey: Object.fromEntries([...perKey].map(([k, n]) => [labelOf(k), n])) }),
  };
}
