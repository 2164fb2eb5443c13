// What two answers are compared on (contracts/compare.json): each aspect reduced to a string, a
// value or a set (field paths with their types, header names). An oracle-like module: it knows
// nothing of how the requests were made.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contract, contractsDir } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import { readErrorBody } from '../oracles/error-answer.ts';

export interface AspectSpec { name: string; byValue: boolean; informational?: boolean; what: string }

export interface CompareContract {
  aspects: AspectSpec[];
  watchedHeaders: string[];
  threshold: number;
  calibrationItems: number;
  casesPerFamily: number;
  /** How many distinct findings the console lists before pointing to the report. */
  findingsOnConsole: number;
}

export const compareContract: CompareContract = JSON.parse(readFileSync(join(contractsDir, 'compare.json'), 'utf8')) as CompareContract;

/** The set aspects' separator: their strings are sorted members joined by it. */
const SEP = ', ';
/** An aspect that does not apply to the answer (an envelope on a success, a body on an error). */
export const NOT_APPLICABLE = '-';

/** Every leaf of a JSON value as `path:type` (arrays as `path[]`), sorted; a bounded depth. */
export function fieldsOf(value: unknown, path = '', depth = 0): string[] {
  const here = path || '(body)';
  if (value === null) return [`${here}:null`];
  if (Array.isArray(value)) {
    if (depth > 4 || value.length === 0) return [`${here}:array`];
    return [...new Set(value.flatMap((v) => fieldsOf(v, `${path}[]`, depth + 1)))].sort();
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value as object);
    if (depth > 4 || keys.length === 0) return [`${here}:object`];
    return keys.flatMap((k) => fieldsOf((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, depth + 1)).sort();
  }
  return [`${here}:${typeof value}`];
}

// The documented envelope's field paths and their parents, from its one home (contracts/errors.json
// "envelope.shape", written with bare type names): `{ "error": { "message": string } }` → error,
// error.message. A field on one of these paths, whatever its type, is the envelope's; others are extras.
const pathOf = (field: string) => field.slice(0, field.lastIndexOf(':'));
const documentedPaths = new Set(fieldsOf(JSON.parse(contract.errors.envelope.shape.replace(/:\s*(string|number|boolean)\b/g, ': "$1"')))
  .flatMap((f) => pathOf(f).split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
const isDocumented = (field: string) => documentedPaths.has(pathOf(field));

const joinSet = (members: string[]) => (members.length ? [...new Set(members)].sort().join(SEP) : '<none>');
/** The members of a set aspect's string. */
export const membersOf = (aspect: string): string[] => (aspect === '<none>' ? [] : aspect.split(SEP));

/** Every aspect of an answer, as strings to compare. */
export function aspectsOf(exchange: Exchange): Record<string, string> {
  const { response } = exchange;
  const error = readErrorBody(exchange);
  const isError = response.status >= 400;
  const fields = response.json === undefined ? undefined : fieldsOf(response.json);
  const notJson = '<not JSON>';
  return {
    status: String(response.status),
    code: error?.code ?? (isError ? '<none>' : NOT_APPLICABLE),
    contentType: (response.headers['content-type'] ?? '<none>').split(';')[0]!.trim().toLowerCase(),
    envelope: !isError ? NOT_APPLICABLE : fields ? joinSet(fields.filter(isDocumented)) : notJson,
    envelopeExtras: !isError ? NOT_APPLICABLE : fields ? joinSet(fields.filter((f) => !isDocumented(f))) : notJson,
    headers: joinSet(compareContract.watchedHeaders.filter((h) => Object.keys(response.headers).includes(h))),
    body: isError ? NOT_APPLICABLE : fields ? joinSet(fields) : notJson,
  };
}

const specOf = (name: string) => compareContract.aspects.find((a) => a.name === name);

/** How far apart two values of an aspect are: 0/1 by value; for a set, the members in one only. */
export function aspectDistance(aspect: string, a: string, b: string): number {
  if (a === b) return 0;
  if (specOf(aspect)?.byValue !== false) return 1;
  const [ma, mb] = [new Set(membersOf(a)), new Set(membersOf(b))];
  return [...ma].filter((m) => !mb.has(m)).length + [...mb].filter((m) => !ma.has(m)).length;
}

/** A set aspect's difference: the members only the base has, and those only the candidate has. */
export function setDifference(base: string, candidate: string): { baseOnly: string[]; candidateOnly: string[] } {
  const [mb, mc] = [membersOf(base), membersOf(candidate)];
  return { baseOnly: mb.filter((m) => !mc.includes(m)), candidateOnly: mc.filter((m) => !mb.includes(m)) };
}
