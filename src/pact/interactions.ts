// The consumer contract as data: one interaction per documented error code, plus a successful
// create and read. Built from contracts/ (codes, statuses, paths, the default model); each carries the
// provider state it needs, named for the situation, and the fixture that state maps to elsewhere.
import { contract, errorByCode } from '../contract/index.ts';

export interface PactCase {
  /** The rule id this interaction's verification reports under (contracts/rules.json). */
  ruleId: string;
  state: string;
  description: string;
  /** The fixture whose key authenticates the request; null: no Authorization at all. */
  fixture: string | null;
  billable: boolean;
  request: { method: string; path: string; body?: string; readsProviderRun?: boolean };
  response: { status: number; code?: string; run?: 'created' | 'read' };
}

export const CONSUMER = 'runbase-conformance';
export const PROVIDER = 'runbase-api';
export const PACT_FILE = `${CONSUMER}-${PROVIDER}.json`;

export function pactRuleId(code: string): string {
  return `PACT-${code.toUpperCase().replace(/_/g, '-')}`;
}

export function pactCases(): PactCase[] {
  const root = contract.limits.apiRootPath;
  const runs = root + contract.limits.endpoints.createRun.path;
  const absent = `${runs}/${contract.limits.runs.idPrefix}doesnotexist0000`;
  const model = contract.models.defaultModel;
  const valid = JSON.stringify({ model, input: { prompt: 'a lighthouse at dusk' } });
  const post = contract.limits.endpoints.createRun.method;
  const get = contract.limits.endpoints.readRun.method;
  const error = (code: string, state: string, fixture: string | null, request: PactCase['request'], billable = false): PactCase => ({
    ruleId: pactRuleId(code), state, description: `${request.method} ${request.path.replace(absent, `${runs}/:id`)} → ${errorByCode(code).status} ${code}`,
    fixture, billable, request, response: { status: errorByCode(code).status, code },
  });
  return [
    error('invalid_json', 'an API key with budget to spare', 'apiKeys', { method: post, path: runs, body: '{"model": ' }),
    error('missing_model', 'an API key with budget to spare', 'apiKeys', { method: post, path: runs, body: JSON.stringify({ input: { prompt: 'a lighthouse at dusk' } }) }),
    error('missing_input', 'an API key with budget to spare', 'apiKeys', { method: post, path: runs, body: JSON.stringify({ model }) }),
    error('invalid_input', 'an API key with budget to spare', 'apiKeys', { method: post, path: runs, body: JSON.stringify({ model, input: {} }) }),
    error('model_not_found', 'an API key with budget to spare', 'apiKeys', { method: post, path: runs, body: JSON.stringify({ model: `${model}-does-not-exist`, input: { prompt: 'a lighthouse at dusk' } }) }),
    error('missing_api_key', 'a request without an API key', null, { method: get, path: absent }),
    error('invalid_api_key', 'an API key that has been disabled', 'disabledKey', { method: get, path: absent }),
    error('insufficient_balance', "an account whose balance is below the run's cost", 'lowBalanceKey', { method: post, path: runs, body: valid }),
    error('api_key_spend_limit_exceeded', 'an API key whose spend has reached its limit', 'spentKey', { method: post, path: runs, body: valid }, true),
    error('ip_not_allowed', 'an API key whose IP whitelist excludes the caller', 'ipRestrictedKey', { method: get, path: absent }),
    error('run_not_found', 'an API key with budget to spare', 'apiKeys', { method: get, path: absent }),
    error('RATE_LIMITED', 'an API key that has used up its rate budget', 'apiKeys', { method: get, path: absent }),
    error('USAGE_EXCEEDED', 'an API key whose usage quota is exhausted', 'quotaExhaustedKey', { method: get, path: absent }),
    {
      ruleId: 'PACT-CREATE-RUN', state: 'an API key on an account with balance', description: `${post} ${runs} → ${contract.limits.endpoints.createRun.successStatus} a pending run`,
      fixture: 'apiKeys', billable: true, request: { method: post, path: runs, body: valid }, response: { status: contract.limits.endpoints.createRun.successStatus, run: 'created' },
    },
    {
      ruleId: 'PACT-READ-RUN', state: 'a run created with this API key', description: `${get} ${runs}/:id → ${contract.limits.endpoints.readRun.successStatus} the run`,
      fixture: 'apiKeys', billable: true, request: { method: get, path: `${runs}/${contract.limits.runs.idPrefix}example`, readsProviderRun: true }, response: { status: contract.limits.endpoints.readRun.successStatus, run: 'read' },
    },
  ];
}
