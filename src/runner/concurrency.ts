// How many rules run at the same time. Every request still goes through the one scheduler, which
// keeps each key within its documented budget, so this bounds only the work in flight.
export const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 64;

export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

/** RUNBASE_CONCURRENCY: an integer from 1 (rules one after another) to 64. */
export function ruleConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.RUNBASE_CONCURRENCY?.trim();
  if (!text) return DEFAULT_CONCURRENCY;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new ConcurrencyError(`RUNBASE_CONCURRENCY must be an integer from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(text)}`);
  return n;
}
