// Requests with one or several faults, for the precedence rules: plain parts, no HTTP.
import fc from 'fast-check';
import { contract, type FaultName, type ModelEntry } from '../contract/index.ts';
import { apiKeyLike, unknownApiKey, wrongSchemeAuthorization } from './auth.ts';
import { invalidInputBody, malformedJsonBody, missingInputBody, missingModelBody, unknownModelBody } from './bodies.ts';

export interface RequestParts {
  body?: string | Uint8Array;
  contentType?: string | null;
  /** null: no header; undefined: the caller's valid key. */
  authorization?: string | null;
  faults: FaultName[];
}

export function bodyFault(models: readonly ModelEntry[]): fc.Arbitrary<RequestParts> {
  return fc.oneof(
    malformedJsonBody(models).map((body): RequestParts => ({ body, faults: ['notJson'] })),
    missingModelBody(models).map((body): RequestParts => ({ body, faults: ['modelMissing'] })),
    missingInputBody(models).map((body): RequestParts => ({ body, faults: ['inputMissing'] })),
    unknownModelBody(models).map((body): RequestParts => ({ body, faults: ['unknownModel'] })),
    invalidInputBody(models).map(({ body }): RequestParts => ({ body, faults: ['schemaViolation'] })),
  );
}

export function authFault(known: readonly string[]): fc.Arbitrary<RequestParts> {
  return fc.oneof(
    fc.constant<RequestParts>({ authorization: null, faults: ['noAuth'] }),
    apiKeyLike().chain(wrongSchemeAuthorization).map((authorization): RequestParts => ({ authorization, faults: ['malformedAuth'] })),
    unknownApiKey(known).map((key): RequestParts => ({ authorization: `${contract.limits.keys.scheme} ${key}`, faults: ['unknownKey'] })),
  );
}

/** An auth fault and a body fault together. */
export function multiFaultRequest(models: readonly ModelEntry[], known: readonly string[]): fc.Arbitrary<RequestParts> {
  return fc.tuple(authFault(known), bodyFault(models)).map(([auth, body]) => ({ ...body, authorization: auth.authorization ?? null, faults: [...auth.faults, ...body.faults] }));
}
