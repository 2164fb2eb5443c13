// Pacing: each key's budget as a log of the times its sends count from, kept to the documented limit
// under the least favourable reading of what the docs leave open — every send counts, refused or
// not, and the window may slide, so no window of any alignment ever holds more than the limit (a
// sliding-window log that does so also stays inside every fixed window). A send takes its slot when
// it starts (so senders at the same time never overrun a key) and is moved to when its answer came
// back (when the server counted it, at the latest).
import type { Clock } from '../clock.ts';

export interface Limit { requests: number; windowMs: number }

export interface Budgets {
  /** The earliest time `key` has budget for `sends` more sends in the window. */
  readyFor(key: string, sends: number): number;
  /** When `key`'s last counted send was, or undefined when it has none in memory. */
  lastSend(key: string): number | undefined;
  /** Take a slot on `key` now (the caller has checked readyFor). */
  take(key: string): number;
  /** The send of `slot` was answered: it counts from now. */
  settle(key: string, slot: number): void;
  /** A send made outside the pacing (raw or elsewhere): it counts from now. */
  record(key: string): void;
}

export function createBudgets(clock: Clock, limit: Limit, marginMs: number): Budgets {
  const logs = new Map<string, number[]>();
  const logOf = (key: string): number[] => {
    let log = logs.get(key);
    if (!log) logs.set(key, (log = []));
    return log;
  };
  return {
    readyFor(key, sends) {
      const log = logOf(key);
      const now = clock.now();
      // Forget what has left the window; keep the log bounded.
      while (log.length > 0 && log[0]! <= now - limit.windowMs - marginMs) log.shift();
      const allowed = limit.requests - sends;
      if (log.length <= allowed) return now;
      return log[log.length - allowed - 1]! + limit.windowMs + marginMs + 1;
    },
    lastSend(key) {
      const log = logOf(key);
      return log.length === 0 ? undefined : log[log.length - 1];
    },
    take(key) {
      const slot = clock.now();
      logOf(key).push(slot);
      return slot;
    },
    settle(key, slot) {
      const log = logOf(key);
      const i = log.indexOf(slot);
      if (i !== -1) log.splice(i, 1);
      log.push(clock.now());
      log.sort((a, b) => a - b);
    },
    record(key) {
      logOf(key).push(clock.now());
    },
  };
}
