// Retry of a stray 429: the documented backoff (1 s, 2 s, 4 s), or longer when the target's
// Retry-After asks, up to a cap past which the run ends (exit 2) instead of waiting.
import { contract } from '../../contract/index.ts';
import { TargetError, type Exchange } from '../../contract/exchange.ts';
import { retryAfterMs } from '../retry-after.ts';

/** The target asked (Retry-After) for a longer wait than the run allows: exit 2, not a verdict. */
export class Throttled extends TargetError {}

/** The documented backoff, in ms, one entry per retry. */
export const backoffMs: readonly number[] = contract.limits.rateLimit.backoffSeconds.map((s) => s * 1000);

/**
 * The Throttled error for a 429 whose Retry-After asks for longer than `toleratedMs` (the cap unless
 * given), else undefined: the one reading of the cap, for the paced retries and the rate-limit rules' raw sends.
 */
export function throttledPast(exchange: Exchange, o: { maxRetryAfterMs: number; label: string }, toleratedMs = o.maxRetryAfterMs): Throttled | undefined {
  const asked = retryAfterMs(exchange, Date.now());
  if (asked === undefined || asked <= toleratedMs) return undefined;
  return new Throttled(`the target throttles ${o.label} for ${Math.ceil(asked / 1000)} s (Retry-After), longer than RUNBASE_MAX_RETRY_AFTER_S=${Math.round(o.maxRetryAfterMs / 1000)}`);
}

/** How long to wait before retry `attempt` (0-based): the backoff, or longer when Retry-After asks. */
export function retryWait(exchange: Exchange, attempt: number, o: { maxRetryAfterMs: number; label: string }): number {
  const throttled = throttledPast(exchange, o);
  if (throttled) throw throttled;
  return Math.max(backoffMs[attempt]!, retryAfterMs(exchange, Date.now()) ?? 0);
}
