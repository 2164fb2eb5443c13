// The one Retry-After reading (RFC 9110 §10.2.3): delta-seconds (digits only) or an HTTP date.
import type { Exchange } from '../contract/exchange.ts';

/** Retry-After in ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(exchange: Exchange, now: number): number | undefined {
  const value = exchange.response.headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
