// Leases: a pool key lent to one rule alone (the rate-limit rules, which must know everything their
// key sent). A lease may ask for the key to have idled a while first; leases queue while every key
// is out, and a leased key is its holder's until released.
import { activity, type Clock } from '../clock.ts';
import type { Budgets } from './pacing.ts';

export interface Lease { key: string; release(): void }

/** A lease with idle time, once released: the key time it took from the run. */
export interface LongLease { owner: string | undefined; key: string; idleFrom: number; releasedAt: number; admitted: number }
export interface LeaseOptions {
  idleMs?: number;
  exclude?: readonly string[];
  /**
   * The holder pushes the key past its limit itself and judges only what comes after (a refusal,
   * a recovery): a key another rule's burst left limited serves it at once, and serves it best, as
   * pacing could not use that key for a window anyway. Held as long as a lease with idle time.
   */
  overLimit?: boolean;
}

export interface Leases {
  lease(o?: LeaseOptions): Promise<Lease>;
  isLeased(key: string): boolean;
  /** Leased to a rule other than the one at work here. */
  heldByOther(key: string): boolean;
  /** Some rule sends with `key` by name (not through the pool): leases and pool sends avoid it. */
  pin(key: string): void;
  isPinned(key: string): boolean;
  /** Resolves at the next release (rules running at the same time wait their turn). */
  nextRelease(): Promise<void>;
  /** The keys leases with idle time leave to the rules that name keys (the whole pool when none is kept). */
  namedKeys(): readonly string[];
}

/** Leases with idle time held at once: all keys but one, so pool work always has a key (one key: that key). */
export const maxLongLeases = (poolSize: number): number => Math.max(1, poolSize - 1);

/** Sends a leased key has budget for when it is handed over, idle time or not. */
const SHORT_LEASE_SENDS = 3;

/**
 * `admittedOf(key)` counts the key's admitted sends so far; `onLongRelease` hears of each lease with
 * idle time when it ends (what the run's pacing figures are computed from).
 */
export function createLeases(clock: Clock, pool: readonly string[], budgets: Budgets, marginMs: number, hooks: { admittedOf?: (key: string) => number; onLongRelease?: (lease: LongLease) => void } = {}): Leases {
  const leased = new Set<string>();
  const pinned = new Set<string>();
  /** Which rule holds each leased key. */
  const owners = new Map<string, string | undefined>();
  /**
   * The first pool keys are the ones rules name (a run is created and polled on key#1, read with
   * key#2, …): leases that wait out a window (the rate-limit rules) leave them to those rules while
   * other keys can serve, so such a lease never stalls them. Small pools keep every key leasable:
   * with four keys, two reserved left the rate-limit rules' leases (idle a window each) only two keys
   * and about doubled a run's time (docs/speed.md), so a pool reserves a key only past four.
   */
  const reservedForNamed = new Set(pool.slice(0, Math.max(0, Math.min(2, pool.length - 4))));
  /** Leases with idle time now held. */
  let longLeases = 0;

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

  async function waitUntil(t: number): Promise<void> {
    const wait = t - clock.now();
    if (wait > 0) await clock.sleep(wait);
  }

  async function lease(o: LeaseOptions = {}): Promise<Lease> {
    const idle = o.overLimit ? 0 : o.idleMs ?? 0;
    // Idle for `idleMs`, and with budget for a few sends: a lease with no idle time (a Pact check,
    // which sends up to two requests unpaced) may come right after other rules filled the key's window.
    // An over-limit lease needs neither: it may start at once on any key (sends that took their slot
    // before it are in the key's history, which its holder judges by).
    const idleSince = (k: string) => {
      const last = budgets.lastSend(k);
      return last === undefined || o.overLimit ? clock.now() : Math.max(clock.now(), last + idle + marginMs + 1, budgets.readyFor(k, SHORT_LEASE_SENDS));
    };
    const candidates = pool.filter((k) => !(o.exclude ?? []).includes(k));
    if (candidates.length === 0) throw new Error('no pool key is free to lease');
    // Keys left to the rules that name them, unless nothing else could ever serve this lease.
    // A short lease (a Pact check: no idle time, not over the limit) may take any key.
    const long = idle > 0 || o.overLimit === true;
    const leasable = long && candidates.some((k) => !reservedForNamed.has(k)) ? candidates.filter((k) => !reservedForNamed.has(k)) : candidates;
    // Leases that wait out a window hold a key unused meanwhile: at most all keys but one at a time,
    // so pool work always has a key (a rule that already holds one may take a second: RL-PER-KEY).
    const holdsOne = [...owners.values()].some((owner) => owner !== undefined && owner === activity.current());
    const roomForLong = () => !long || holdsOne || longLeases < maxLongLeases(pool.length);
    const freeKeys = () => leasable.filter((k) => !leased.has(k));
    let free = freeKeys();
    // Every candidate lent out (rules running at the same time): wait for one to come back.
    while (free.length === 0 || !roomForLong()) {
      await nextRelease();
      // Sends that waited for the same release go first: what they take of a key's window would
      // otherwise stand unused while this lease waits the window out.
      await new Promise((resolve) => setImmediate(resolve));
      free = freeKeys();
    }
    if (long) longLeases++;
    // The key idle soonest; on a tie one no rule names explicitly, the last in the pool first (the
    // rules that name pool keys name the first ones), so a lease rarely makes another rule wait.
    // An over-limit lease prefers the key furthest from having budget: its time is worth least to pacing.
    const rank = (k: string) => [idleSince(k), o.overLimit ? -budgets.readyFor(k, 1) : 0, pinned.has(k) ? 1 : 0, -pool.indexOf(k)] as const;
    const before = (a: readonly number[], b: readonly number[]) => a.reduce((d, x, i) => d || x - b[i]!, 0);
    const key = free.reduce((best, k) => (before(rank(k), rank(best)) < 0 ? k : best));
    leased.add(key);
    owners.set(key, activity.current());
    // The key stands idle for this lease from its last send (or from now, when that is older).
    const owner = activity.current();
    const idleFrom = Math.max(budgets.lastSend(key) ?? clock.now(), clock.now() - idle);
    // Sends that already took their slot on this key finish first; the idle time counts from them.
    await waitUntil(idleSince(key));
    while (idleSince(key) > clock.now()) await waitUntil(idleSince(key));
    const admittedBefore = hooks.admittedOf?.(key) ?? 0;
    return {
      key,
      release: () => {
        leased.delete(key);
        owners.delete(key);
        if (long) {
          longLeases--;
          hooks.onLongRelease?.({ owner, key, idleFrom, releasedAt: clock.now(), admitted: (hooks.admittedOf?.(key) ?? 0) - admittedBefore });
        }
        announceRelease();
      },
    };
  }

  return {
    lease,
    isLeased: (key) => leased.has(key),
    heldByOther: (key) => leased.has(key) && owners.get(key) !== activity.current(),
    pin: (key) => { pinned.add(key); },
    isPinned: (key) => pinned.has(key),
    nextRelease,
    namedKeys: () => (reservedForNamed.size > 0 ? [...reservedForNamed] : pool),
  };
}
