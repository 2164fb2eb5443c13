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

/** A run id that no one created: the prefix and a fixed tail, for rules that only need "some" GET. */
export function absentRunId(tag: string): string {
  return `${contract.limits.runs.idPrefix}conformance${tag.replace(/[^A-Za-z0-9]/g, '')}0000`;
}

/** The auth of generated request parts: undefined means "the caller's valid key". */
export function authOf(authorization: string | null | undefined): Auth {
  return authorization === undefined ? { kind: 'pool' } : { kind: 'header', value: authorization };
}
