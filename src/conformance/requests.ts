// Request specs the suites share: the two documented endpoints, and the fault → expected error lookup.
import { contract, errorForFault, type ErrorEntry, type FaultName } from '../contract/index.ts';
import type { Auth, RequestSpec } from './session.ts';

const paths = () => contract.limits.endpoints;

export function runsPath(): string {
  return paths().createRun.path;
}

export function runPath(id: string): string {
  return paths().readRun.path.replace('{id}', encodeURIComponent(id));
}

export function createRun(body: unknown, auth: Auth = { kind: 'pool' }, extra: Partial<RequestSpec> = {}): RequestSpec {
  const raw = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return { method: paths().createRun.method, path: runsPath(), auth, body: raw, ...extra };
}

export function readRun(id: string, auth: Auth = { kind: 'pool' }, extra: Partial<RequestSpec> = {}): RequestSpec {
  return { method: paths().readRun.method, path: runPath(id), auth, ...extra };
}

export function expectedFor(...faults: FaultName[]): ErrorEntry[] {
  return [...new Map(faults.map((f) => [errorForFault(f).code, errorForFault(f)])).values()];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` letters and digits drawn from the run's seed and a tag: the same run replays the same
 * text, and no two runs' probes share a fixed string a target could recognise.
 */
export function seededToken(seed: number, tag: string, length: number): string {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const ch of tag) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap, seeded, well spread over the alphabet.
    h ^= h << 13; h >>>= 0; h ^= h >>> 17; h ^= h << 5; h >>>= 0;
    out += ALPHANUMERIC[h % ALPHANUMERIC.length];
  }
  return out;
}

/** A run id that no one created, shaped like a real one, drawn from the run's seed and a tag (the rule's id). */
export function absentRunId(tag: string, seed: number): string {
  return `${contract.limits.runs.idPrefix}${seededToken(seed, tag, 24)}`;
}

/** The auth of generated request parts: undefined means "the caller's valid key". */
export function authOf(authorization: string | null | undefined): Auth {
  return authorization === undefined ? { kind: 'pool' } : { kind: 'header', value: authorization };
}
