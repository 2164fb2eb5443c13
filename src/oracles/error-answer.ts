// Reading and judging a documented error answer: {"error": {"message", "code"}} with a status.
import type { Exchange } from '../contract/exchange.ts';
import { errorForFault, type ErrorEntry } from '../contract/index.ts';
import { violation, type Violation, isRecord } from './types.ts';

export interface ErrorBody { code: string; message: string }


/** The `error` object of a response, when it has the documented envelope. */
export function readErrorBody(exchange: Exchange): ErrorBody | undefined {
  const body = exchange.response.json;
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
}

/** What the response says, in the form `status code` ("401 missing_api_key", "200", "400 <no envelope>"). */
export function describeAnswer(exchange: Exchange): string {
  const { status } = exchange.response;
  if (status < 400) return String(status);
  const error = readErrorBody(exchange);
  return error ? `${status} ${error.code}` : `${status} <no error envelope>`;
}

export const describeExpected = (entries: readonly ErrorEntry[]): string =>
  entries.map((e) => `${e.status} ${e.code}`).join(' or ');

/** The response is exactly one of the expected documented errors (status and code, exact case). */
export function isOneOfErrors(exchange: Exchange, expected: readonly ErrorEntry[]): Violation[] {
  const error = readErrorBody(exchange);
  const hit = expected.some((e) => e.status === exchange.response.status && e.code === error?.code);
  if (hit) return [];
  return violation(
    'isOneOfErrors',
    expected.length === 1 ? `expected the documented ${describeExpected(expected)}` : `expected one of the faults present: ${describeExpected(expected)}`,
    describeExpected(expected),
    describeAnswer(exchange),
  );
}

/** Which of the expected errors the response is, if any (for recording which fault won). */
export function matchingError(exchange: Exchange, candidates: readonly ErrorEntry[]): ErrorEntry | undefined {
  const error = readErrorBody(exchange);
  return candidates.find((e) => e.status === exchange.response.status && e.code === error?.code);
}

/** The response is not this documented error (e.g. "not RATE_LIMITED"). */
export function isNotError(exchange: Exchange, entry: ErrorEntry): Violation[] {
  const error = readErrorBody(exchange);
  if (exchange.response.status === entry.status && error?.code === entry.code) {
    return violation('isNotError', `expected an answer other than ${entry.status} ${entry.code}`, `not ${entry.status} ${entry.code}`, describeAnswer(exchange));
  }
  return [];
}

/** The response carries the documented message text exactly (only RATE_LIMITED has one). */
export function hasDocumentedMessage(exchange: Exchange, entry: ErrorEntry): Violation[] {
  if (entry.message === undefined) return [];
  const error = readErrorBody(exchange);
  if (error?.message === entry.message) return [];
  return violation('hasDocumentedMessage', `${entry.code} must carry the documented message`, JSON.stringify(entry.message), JSON.stringify(error?.message ?? null));
}

/** The answer is the documented rate-limit refusal (429 RATE_LIMITED, exact case). The one definition
 * the scheduler, the session and the rate-limit rules share. */
export function isRateLimited(exchange: Exchange): boolean {
  return matchingError(exchange, [errorForFault('rateLimited')]) !== undefined;
}
