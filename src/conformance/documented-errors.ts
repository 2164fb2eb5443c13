// One request per documented error, as data: the fault it provokes, whose key it carries (a fixture
// name, resolved by each sender), the endpoint and body. The envelope rules' probes, the compare
// corpus and the Pact interactions (src/pact/interactions.ts: its `state` column is the provider
// state) draw from this one table. No HTTP here.
import { contract, errorForFault, type FaultName } from '../contract/index.ts';
import type { KeyFixture } from './fixtures.ts';
import { seededToken } from './requests.ts';

export interface DocumentedErrorRequest {
  fault: FaultName;
  /** The documented error it must get (contracts/errors.json). */
  code: string;
  /** Whose key goes in Authorization: the healthy pool, a key fixture, or null for none at all. */
  fixture: 'apiKeys' | KeyFixture | null;
  /** A literal Authorization header instead of a fixture's key. */
  header?: string;
  /** createRun: POST the body; readRun: GET a run id that exists nowhere. */
  endpoint: 'createRun' | 'readRun';
  body?: string;
  /** Could create a paid run on a target that wrongly accepts it. */
  billable: boolean;
  /** The situation, named as a Pact provider state. */
  state: string;
}

const PROMPT = { prompt: 'a lighthouse at dusk' };
const HEALTHY = 'an API key with budget to spare';

/**
 * The table, for requests that use `model` where a valid model is needed. With the run's `seed`, the
 * unknown key is drawn from it (a run's probes carry no fixed string); without (the committed pact,
 * the compare corpus), it is a fixed one.
 */
export function documentedErrorRequests(model: string, seed?: number): DocumentedErrorRequest[] {
  const valid = JSON.stringify({ model, input: PROMPT });
  const row = (fault: FaultName, fixture: DocumentedErrorRequest['fixture'], state: string, endpoint: DocumentedErrorRequest['endpoint'], extra: Partial<DocumentedErrorRequest> = {}): DocumentedErrorRequest => ({
    fault, code: errorForFault(fault).code, fixture, state, endpoint, billable: false, ...extra,
  });
  const { scheme, prefix } = contract.limits.keys;
  return [
    row('notJson', 'apiKeys', HEALTHY, 'createRun', { body: '{"model": ' }),
    row('modelMissing', 'apiKeys', HEALTHY, 'createRun', { body: JSON.stringify({ input: PROMPT }) }),
    row('inputMissing', 'apiKeys', HEALTHY, 'createRun', { body: JSON.stringify({ model }) }),
    row('unknownModel', 'apiKeys', HEALTHY, 'createRun', { body: JSON.stringify({ model: `${model}-does-not-exist`, input: PROMPT }) }),
    row('schemaViolation', 'apiKeys', HEALTHY, 'createRun', { body: JSON.stringify({ model, input: {} }) }),
    row('noAuth', null, 'a request without an API key', 'readRun'),
    row('unknownKey', null, 'an API key the provider never issued', 'readRun', { header: `${scheme} ${prefix}${seed === undefined ? 'conformanceprobe0000000000' : seededToken(seed, 'unknownKey', 26)}` }),
    row('unknownRun', 'apiKeys', HEALTHY, 'readRun'),
    row('disabledKey', 'disabledKey', 'an API key that has been disabled', 'readRun'),
    row('expiredKey', 'expiredKey', 'an API key that has expired', 'readRun'),
    row('lowBalance', 'lowBalanceKey', "an account whose balance is below the run's cost", 'createRun', { body: valid }),
    row('ipNotAllowed', 'ipRestrictedKey', 'an API key whose IP whitelist excludes the caller', 'readRun'),
    row('quotaExhausted', 'quotaExhaustedKey', 'an API key whose usage quota is exhausted', 'readRun'),
    row('spendReached', 'spentKey', 'an API key whose spend has reached its limit', 'createRun', { body: valid, billable: true }),
  ];
}

/** How a probe's failure is worded: the envelope rules hold each probe to the error it was sent to
 * provoke, so a target that gets one documented error wrong fails those rules through their probe too. */
export const probeFailure = (fault: FaultName, message: string): string => `probe for ${fault}: ${message}`;
export const isProbeFailure = (message: string): boolean => message.startsWith('probe for ');
