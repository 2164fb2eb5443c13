// What two answers are compared on (contracts/compare.json): each aspect reduced to a string, by
// value or by shape. An oracle-like module: it knows nothing of how the requests were made.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractsDir } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import { readErrorBody } from '../oracles/error-answer.ts';

export interface CompareContract {
  aspects: { name: string; byValue: boolean; what: string }[];
  watchedHeaders: string[];
  threshold: number;
  calibrationItems: number;
  casesPerFamily: number;
}

export const compareContract: CompareContract = JSON.parse(readFileSync(join(contractsDir, 'compare.json'), 'utf8')) as CompareContract;

/** The type skeleton of a JSON value: field names and types, not values. */
export function shapeOf(value: unknown, depth = 0): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return depth > 3 ? 'array' : `[${[...new Set(value.map((v) => shapeOf(v, depth + 1)))].sort().join('|')}]`;
  if (typeof value === 'object') {
    if (depth > 3) return 'object';
    return `{${Object.keys(value as object).sort().map((k) => `${k}:${shapeOf((value as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
  }
  return typeof value;
}

/** Every aspect of an answer, as strings to compare. */
export function aspectsOf(exchange: Exchange): Record<string, string> {
  const { response } = exchange;
  const error = readErrorBody(exchange);
  const isError = response.status >= 400;
  return {
    status: String(response.status),
    code: error?.code ?? (isError ? '<none>' : '-'),
    envelope: isError ? (response.json === undefined ? '<not JSON>' : shapeOf(response.json)) : '-',
    contentType: (response.headers['content-type'] ?? '<none>').split(';')[0]!.trim().toLowerCase(),
    headers: compareContract.watchedHeaders.filter((h) => Object.keys(response.headers).some((name) => name === h || (h.endsWith('-') && name.startsWith(h)))).join(',') || '<none>',
    body: !isError ? (response.json === undefined ? '<not JSON>' : shapeOf(response.json)) : '-',
  };
}
