import type { Exchange } from '../contract/exchange.ts';

/** One broken expectation. `check` names the function that found it, like Schemathesis's checks. */
export interface Violation {
  check: string;
  message: string;
  expected: string;
  actual: string;
}

/** A check judges one exchange; an empty list means it holds. Checks know nothing of generation. */
export type Check = (exchange: Exchange) => Violation[];

export function violation(check: string, message: string, expected: string, actual: string): Violation[] {
  return [{ check, message, expected, actual }];
}

/** A JSON object (not null, not an array): what an envelope or a run body must be. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
