// The consumer contract as data: one interaction per documented error code, plus a successful
// create and read. Built from contracts/ (codes, statuses, paths, the default model) and the one
// documented-error request table; each carries the provider state it needs, named for the situation,
// and the fixture that state maps to elsewhere.
import { contract, errorByCode, errorForFault } from '../contract/index.ts';
import { documentedErrorRequests } from '../conformance/documented-errors.ts';

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
  // One interaction per documented code, in the catalogue's order, each from the one documented-error
  // request table (conformance/documented-errors.ts): its first row for the code that a provider state
  // can set up (no literal Authorization header). RATE_LIMITED is not in the table (a request cannot
  // carry a spent budget): its state spends one.
  const table = documentedErrorRequests(model).filter((r) => r.header === undefined);
  const rateLimited = errorForFault('rateLimited').code;
  const errors = contract.errors.errors.map(({ code }) => {
    if (code === rateLimited) return error(code, 'an API key that has used up its rate budget', 'apiKeys', { method: get, path: absent });
    const row = table.find((r) => r.code === code);
    if (!row) throw new Error(`the documented-error request table has no row for ${code} a provider state can set up`);
    return error(code, row.state, row.fixture, row.endpoint === 'createRun' ? { method: post, path: runs, body: row.body! } : { method: get, path: absent }, row.billable);
  });
  return [
    ...errors,
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
