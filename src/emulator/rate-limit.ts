// The documented per-key limit: a sliding-window log of admitted requests on the emulator clock.
// Requests answered 429 are not admitted and use no budget.
import { contract } from '../contract/index.ts';

export interface RateLimiter {
  /** Admit one request for `key` at `now`, or refuse it. */
  admit(key: string, now: number): boolean;
}

export function createRateLimiter(limit = { requests: contract.limits.rateLimit.requests, windowMs: contract.limits.rateLimit.windowSeconds * 1000 }): RateLimiter {
  const logs = new Map<string, number[]>();
  return {
    admit(key, now) {
      const log = logs.get(key) ?? [];
      // A request exactly one window old has left the window.
      while (log.length > 0 && log[0]! <= now - limit.windowMs) log.shift();
      if (log.length >= limit.requests) {
        logs.set(key, log);
        return false;
      }
      log.push(now);
      logs.set(key, log);
      return true;
    },
  };
}
