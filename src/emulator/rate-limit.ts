// The documented per-key limit: a sliding-window log of admitted requests on the emulator clock.
// Requests answered 429 are not admitted and use no budget. Load mode (`--rate-limit off` or `N/Ms`)
// swaps the limit for tool and load runs; the default is the documented one (contracts/limits.json).
import { contract } from '../contract/index.ts';

export interface RateLimiter {
  /** Admit one request for `key` at `now`, or refuse it. */
  admit(key: string, now: number): boolean;
  /** How long until `key` is admitted again at `now` (0 when it would be now). */
  waitMs(key: string, now: number): number;
}

export interface RateLimit { requests: number; windowMs: number }

/** The documented limit: 20 requests per 10 s per key. */
export const documentedRateLimit: RateLimit = { requests: contract.limits.rateLimit.requests, windowMs: contract.limits.rateLimit.windowSeconds * 1000 };

/** How the window is kept (contracts/emulator.json choices rateWindow and rejectedCount). */
export interface WindowChoice { rateWindow: 'sliding' | 'fixed-first-request' | 'fixed-wall-clock'; rejectedCount: boolean }

const SLIDING: WindowChoice = { rateWindow: 'sliding', rejectedCount: false };

export function createRateLimiter(limit: RateLimit | 'off' = documentedRateLimit, window: WindowChoice = SLIDING): RateLimiter {
  // Stryker disable next-line all: load mode (`--rate-limit off`), for tool and load runs only; the conformance run always has the documented limit
  if (limit === 'off') return { admit: () => true, waitMs: () => 0 };
  if (window.rateWindow !== 'sliding') return fixedWindow(limit, window.rateWindow === 'fixed-wall-clock');
  const logs = new Map<string, number[]>();
  return {
    admit(key, now) {
      let log = logs.get(key);
      if (!log) logs.set(key, (log = []));
      // A request exactly one window old has left the window.
      while (log.length > 0 && log[0]! <= now - limit.windowMs) log.shift();
      if (log.length >= limit.requests) {
        // Counted refusals: the newest `requests` entries decide, so the log stays bounded.
        if (window.rejectedCount) { log.shift(); log.push(now); }
        return false;
      }
      log.push(now);
      return true;
    },
    // Stryker disable all: only the retryAfterOn429 choice reads it (off by default; the conformance run never sees it), proven in extras.test.ts
    waitMs(key, now) {
      const live = (logs.get(key) ?? []).filter((t) => t > now - limit.windowMs);
      return live.length < limit.requests ? 0 : live[live.length - limit.requests]! + limit.windowMs - now;
    },
    // Stryker restore all
  };
}

/**
 * A fixed window: a count per key that starts again when the window ends. It opens at the key's first
 * request after the last window ended, or at a multiple of the window on the clock (wall-clock). A
 * refusal cannot change a full count, so counted refusals are the same window.
 */
function fixedWindow(limit: RateLimit, wallClock: boolean): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    admit(key, now) {
      let w = windows.get(key);
      if (!w || now >= w.start + limit.windowMs) windows.set(key, (w = { start: wallClock ? now - (now % limit.windowMs) : now, count: 0 }));
      if (w.count >= limit.requests) return false;
      w.count++;
      return true;
    },
    // Stryker disable all: as the sliding window's waitMs
    waitMs(key, now) {
      const w = windows.get(key);
      return w && now < w.start + limit.windowMs && w.count >= limit.requests ? w.start + limit.windowMs - now : 0;
    },
    // Stryker restore all
  };
}

// Stryker disable all: parsing and describing `npm run emulator -- --rate-limit`, load mode only (the
// conformance run always has the documented limit); test/proofs/emulator-cli.test.ts covers the option.
/** `off`, or `N/Ms` (N requests per M milliseconds per key), as `--rate-limit` takes it. */
export function parseRateLimit(text: string): RateLimit | 'off' {
  if (text === 'off') return 'off';
  const m = /^(\d{1,9})\/(\d{1,9})ms$/i.exec(text.trim()) ?? /^(\d{1,9})\/(\d{1,9})$/.exec(text.trim());
  const requests = Number(m?.[1]);
  const windowMs = Number(m?.[2]);
  if (!m || requests < 1 || windowMs < 1) throw new Error(`--rate-limit must be 'off' or N/Ms (e.g. 100/1000: 100 requests per 1000 ms per key), got '${text}'`);
  return { requests, windowMs };
}

export const describeRateLimit = (limit: RateLimit | 'off') => (limit === 'off' ? 'off (no per-key limit)' : `${limit.requests} requests per ${limit.windowMs} ms per key`);
// Stryker restore all
