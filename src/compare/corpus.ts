// The seeded corpus `npm run compare` sends to both targets: samples of every fault family from the
// suite's own generators, plus the probes of the observe rules (precedence, routes, methods, sizes,
// content types, auth variants). Requests name key roles, not keys: each side fills in its own.
import fc from 'fast-check';
import { contract, type FaultName } from '../contract/index.ts';
import {
  malformedJsonBody, missingModelBody, missingInputBody, unknownModelBody, invalidInputBody, notObjectBody,
  wrongSchemeAuthorization, noSkPrefixAuthorization, schemeCaseVariant, unknownRunId, multiFaultRequest, modelCaseVariant,
  spoofedForwardingHeaders, validInput,
} from '../generators/index.ts';
import { documentedErrorRequests } from '../conformance/documented-errors.ts';
import type { KeyFixture } from '../conformance/fixtures.ts';

/** Whose key goes in Authorization: a pool key or a key fixture (the one fixture map, conformance/fixtures.ts), none, or a literal header built around a role's key. */
export type Role = 'pool' | KeyFixture;
export type AuthSpec = { role: Role } | { none: true } | { header: string } | { template: string; role: Role };

export interface CorpusItem {
  id: string;
  family: string;
  method: string;
  /** Path under the API root; `{otherAccountRun}` is filled from each side's fixture. */
  path: string;
  auth: AuthSpec;
  body?: string | Uint8Array;
  contentType?: string | null;
  headers?: Record<string, string>;
  billable?: boolean;
  /** Send this many times at once on an idle key of its own; the last answer is compared (429 headers). */
  burst?: number;
  /** The faults the request combines (precedence items): which error wins is what differs. */
  faults?: FaultName[];
  /** Headers built around each side's own RUNBASE_IP_RESTRICTED_ALLOWED_IP (the item skips without it). */
  headersForAllowedIp?: (allowedIp: string) => Record<string, string>;
}

const KEY = '{key}';
const runs = () => contract.limits.endpoints.createRun.path;
const absent = `${contract.limits.endpoints.createRun.path}/${contract.limits.runs.idPrefix}comparecorpus0000`;

export function buildCorpus(seed: number, perFamily: number): CorpusItem[] {
  const models = contract.models.models;
  const model = contract.models.models.find((m) => m.id === contract.models.defaultModel)!;
  const sample = <T>(arb: fc.Arbitrary<T>, n = perFamily, salt = 0) => fc.sample(arb, { seed: seed + salt, numRuns: n });
  const [validIn] = sample(validInput(model), 1, 99);
  const valid = JSON.stringify({ model: model.id, input: validIn });
  const items: Omit<CorpusItem, 'id'>[] = [];
  const post = (family: string, body: string | Uint8Array, auth: AuthSpec = { role: 'pool' }, extra: Partial<CorpusItem> = {}) => items.push({ family, method: 'POST', path: runs(), auth, body, ...extra });
  const get = (family: string, path: string, auth: AuthSpec = { role: 'pool' }, extra: Partial<CorpusItem> = {}) => items.push({ family, method: 'GET', path, auth, ...extra });

  for (const b of sample(malformedJsonBody(models), perFamily, 1)) post('malformed', b);
  for (const b of sample(missingModelBody(models), perFamily, 2)) post('malformed', b);
  for (const b of sample(missingInputBody(models), perFamily, 3)) post('malformed', b);
  for (const b of sample(unknownModelBody(models), perFamily, 4)) post('malformed', b);
  for (const b of sample(invalidInputBody(models), perFamily, 5)) post('malformed', b.body);
  for (const b of sample(notObjectBody(), perFamily, 6)) post('malformed', b);
  post('malformed', '');
  for (const m of new Set(sample(modelCaseVariant(models), 3, 7))) post('malformed', JSON.stringify({ model: m, input: {} }));

  get('auth', absent, { none: true });
  for (const h of sample(wrongSchemeAuthorization(KEY), perFamily, 8)) get('auth', absent, { template: h, role: 'pool' });
  for (const h of sample(noSkPrefixAuthorization(), perFamily, 9)) get('auth', absent, { header: h });
  for (const v of sample(schemeCaseVariant(KEY), perFamily, 10)) get('auth', absent, { template: v.header, role: 'pool' });
  get('auth', absent, { header: `${contract.limits.keys.scheme} ${contract.limits.keys.prefix}comparenobodyhasthiskey` });

  // One request per documented error, from the table the envelope rules and the pact use.
  for (const p of documentedErrorRequests(model.id)) {
    const auth: AuthSpec = p.header !== undefined ? { header: p.header } : p.fixture === null ? { none: true } : { role: p.fixture === 'apiKeys' ? 'pool' : p.fixture };
    if (p.endpoint === 'createRun') post('documented', p.body ?? '', auth, { billable: p.billable });
    else get('documented', absent, auth);
  }
  // A key at its spend cap reading a run: what the docs leave open (SPEND-LIMIT-GET).
  get('money-access', absent, { role: 'spentKey' });
  // Each side is sent forwarding headers naming the address its own whitelist allows; the same seed
  // gives both sides the same header shapes.
  for (let i = 0; i < 3; i++) get('money-access', absent, { role: 'ipRestrictedKey' }, { headersForAllowedIp: (ip) => sample(spoofedForwardingHeaders(ip), 3, 11)[i]! });

  for (const id of sample(unknownRunId(), perFamily, 12)) get('runs', `${runs()}/${encodeURIComponent(id)}`);
  get('runs', `${runs()}/{otherAccountRun}`);

  for (const p of sample(multiFaultRequest(models, []), perFamily, 13)) post('precedence', p.body ?? '', p.authorization === null || p.authorization === undefined ? { none: true } : { header: p.authorization }, { faults: p.faults });
  post('precedence', '{"model": ', { role: 'disabledKey' }, { faults: ['notJson', 'disabledKey'] });
  post('precedence', '{"model": ', { role: 'ipRestrictedKey' }, { faults: ['notJson', 'ipNotAllowed'] });
  post('precedence', JSON.stringify({ model: model.id, input: {} }), { role: 'quotaExhaustedKey' }, { faults: ['schemaViolation', 'quotaExhausted'] });

  for (const path of ['/', '/run', '/models', `${runs()}/x/y`, runs().toUpperCase()]) get('routes', path, { role: 'pool' });
  for (const method of ['PUT', 'DELETE', 'PATCH']) items.push({ family: 'methods', method, path: runs(), auth: { role: 'pool' }, body: '{}' });
  post('bodies', `{"model":"compare/none","input":{"prompt":"${'x'.repeat(1_000_000)}"}}`);
  post('content-types', JSON.stringify({ model: 'compare/none', input: {} }), { role: 'pool' }, { contentType: 'text/plain' });
  post('content-types', JSON.stringify({ model: 'compare/none', input: {} }), { role: 'pool' }, { contentType: null });

  // Past the limit: compares the 429 itself, its headers (Retry-After, X-RateLimit-*) included.
  get('limits', absent, { role: 'pool' }, { burst: 2 * contract.limits.rateLimit.requests + 1 });

  post('success', valid, { role: 'pool' }, { billable: true });

  return items.map((item, i) => ({ id: `${item.family}-${String(i + 1).padStart(3, '0')}`, ...item }));
}
