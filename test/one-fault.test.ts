// One fault per request: every request a single-fault rule generates, and every Pact interaction, is
// sent to emulators that check faults in orders where every two checks that do not depend on each
// other meet both ways round, with a Content-Type fault answered 415. A request carrying two faults
// gets a different answer from two of them; one carrying one fault gets its documented answer from
// all. Rules that accept every documented answer of their faults (FAULT-ONE-OF) are exempt by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract, contractsDir } from '../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';
import { choices } from '../src/contract/emulator-choices.ts';
import { fixtureEnv } from '../src/conformance/fixtures.ts';
import { absentRunId, runPath, runsPath } from '../src/conformance/requests.ts';
import * as generators from '../src/generators/index.ts';
import { pactCases, PACT_FILE, type PactCase } from '../src/pact/interactions.ts';

const models = contract.models.models;
const model = contract.models.defaultModel;
const validBody = JSON.stringify({ model, input: { prompt: 'a lighthouse at dusk' } });
const windowMs = contract.limits.rateLimit.windowSeconds * 1000;

/** A request with its key named, not given: each emulator has keys of its own. */
interface Probe {
  rule: string;
  method: string;
  path: string;
  /** A fixture whose key goes in `Bearer …`, a header built from a pool key, or no Authorization. */
  auth: { fixture: string } | { header: (poolKey: string) => string | null };
  contentType?: string | null;
  body?: string | Uint8Array;
  /** Every answer the rule accepts, `status code` (or the status alone for a success). */
  accepts: string[];
}

const SAMPLES = 8;
const sample = <T>(arb: fc.Arbitrary<T>, seed: number) => fc.sample(arb, { seed, numRuns: SAMPLES });
const post = (rule: string, body: string | Uint8Array, accepts: string[], extra: Partial<Probe> = {}): Probe => ({ rule, method: 'POST', path: runsPath(), auth: { fixture: 'apiKeys' }, body, accepts, ...extra });
const get = (rule: string, id: string, accepts: string[], extra: Partial<Probe> = {}): Probe => ({ rule, method: 'GET', path: runPath(id), auth: { fixture: 'apiKeys' }, accepts, ...extra });
const code = (fault: keyof typeof contract.errors.faults) => { const c = contract.errors.faults[fault].code; return `${contract.errors.errors.find((e) => e.code === c)!.status} ${c}`; };
/** Both endpoints with a valid request, `header` as its Authorization. */
const onBoth = (rule: string, header: (k: string) => string | null, accepts: string[]): Probe[] => [
  post(rule, validBody, accepts, { auth: { header } }), get(rule, absentRunId(rule, 42), accepts, { auth: { header } }),
];

/**
 * Every generator the single-fault rules draw requests from, by the export it comes from. Exports that
 * make no request of a single-fault rule are listed in NOT_REQUESTS with why; a new export must be in one.
 */
const GENERATED: Record<string, () => Probe[]> = {
  malformedJsonBody: () => sample(generators.malformedJsonBody(models), 1).map((b) => post('BR-INVALID-JSON', b, [code('notJson')])),
  notJsonCatalogue: () => generators.notJsonCatalogue(generators.nonBillableModelId(models)).map((c) => post('BR-INVALID-JSON', c.body, [code('notJson')])),
  validJsonFormsCatalogue: () => generators.validJsonFormsCatalogue(generators.nonBillableModelId(models)).map((c) => post('BR-VALID-JSON', c.body, [code('unknownModel')], c.contentType ? { contentType: c.contentType } : {})),
  unusualValidJson: () => sample(generators.unusualValidJson(generators.nonBillableModelId(models)), 2).map((b) => post('BR-VALID-JSON', b, [code('unknownModel')])),
  missingModelBody: () => sample(generators.missingModelBody(models), 3).map((b) => post('BR-MISSING-MODEL', b, [code('modelMissing')])),
  notObjectBody: () => sample(generators.notObjectBody(), 4).map((b) => post('BR-NOT-OBJECT', b, [code('notObject')])),
  missingInputBody: () => sample(generators.missingInputBody(models), 5).map((b) => post('BR-MISSING-INPUT', b, [code('inputMissing')])),
  inputArrayBody: () => sample(generators.inputArrayBody(models), 6).map((b) => post('BR-INPUT-ARRAY', b, [code('inputArray')])),
  unknownModelBody: () => sample(generators.unknownModelBody(models), 7).map((b) => post('BR-MODEL-NOT-FOUND', b, [code('unknownModel')])),
  invalidInputBody: () => sample(generators.invalidInputBody(models), 8).map((b) => post('BR-INVALID-INPUT', b.body, [code('schemaViolation')])),
  wrongSchemeAuthorization: () => sample(generators.wrongSchemeAuthorization('sk-PLACEHOLDER'), 9).flatMap((h) => onBoth('AUTH-WRONG-SCHEME', (k) => h.replace('sk-PLACEHOLDER', k), [code('malformedAuth')])),
  // The docs leave open whether a token without sk- is wrong format or unknown: the rule takes both.
  noSkPrefixAuthorization: () => sample(generators.noSkPrefixAuthorization(), 10).flatMap((h) => onBoth('AUTH-NO-SK-PREFIX', () => h, [code('malformedAuth'), code('unknownKey')])),
  unknownApiKey: () => sample(generators.unknownApiKey([]), 11).flatMap((k) => onBoth('AUTH-UNKNOWN-KEY', () => `Bearer ${k}`, [code('unknownKey')])),
  unknownRunId: () => sample(generators.unknownRunId(), 12).map((id) => get('RUN-NOT-FOUND', id, [code('unknownRun')])),
  oddRunIdCatalogue: () => generators.oddRunIdCatalogue().map(({ id }) => get('RUN-NOT-FOUND', id, [code('unknownRun')])),
};

const NOT_REQUESTS: Record<string, string> = {
  centsFor: 'arithmetic', spendLimitAround: 'accounting state, not a request', balanceAround: 'accounting state', accountSetup: 'accounting state',
  apiKeyLike: 'a key, sent inside the wrong-scheme headers above', prefixCaseVariant: 'part of noSkPrefixAuthorization', schemeCaseVariant: 'AUTH-SCHEME-CASE observes',
  parsesAsJson: 'a predicate', unknownModelId: 'part of unknownModelBody', nonBillableModelId: 'a constant', modelCaseVariant: 'BR-MODEL-CASE observes',
  hostileBody: 'SRV-NO-5XX judges no code', hostileBodyCatalogue: 'SRV-NO-5XX judges no code', reEncodedJson: 'part of unusualValidJson',
  bodyFault: 'part of multiFaultRequest', authFault: 'part of multiFaultRequest', multiFaultRequest: 'FAULT-ONE-OF accepts the answer of every fault it carries',
  clientIpClaim: 'IP-SPOOF: the fixture key is the one fault, headers are no fault', spoofedForwardingHeaders: 'IP-SPOOF, as above', nearMissAddresses: 'admin state for IP-NOT-ALLOWED',
  prompt: 'part of validInput', imageUrl: 'part of validInput', validInput: 'valid', wrongTypeValue: 'part of inputWithOneViolation', enumOutside: 'part of inputWithOneViolation',
  inputWithOneViolation: 'part of invalidInputBody', inputWithUnknownField: 'BR-UNKNOWN-INPUT-FIELD observes', validCreateBody: 'valid', everyEnumValue: 'valid values',
  whitespacePadded: 'part of paddedModelBody and enumNormalisationBody', caseChanged: 'as above', paddedModelId: 'part of unknownModelBody', paddedModelBody: 'part of unknownModelBody',
  enumNormalisationBait: 'part of invalidInputBody', enumNormalisationBody: 'part of invalidInputBody', runPathVariants: 'RUN-OTHER-ACCOUNT: paths to a run, judged not disclosed',
  runPathVariant: 'as above', undecodableRunPaths: 'SRV-NO-5XX judges no code',
};

/** Fault orders: the contract's, plus for every two independent checks left one way round only, one the other way. */
function faultOrders(): string[][] {
  const flat = (o: readonly string[]) => o.flatMap((e) => e.split('|').map((s) => s.trim()));
  const listed = (choices.choices.precedence.values as string[][]).map(flat);
  // What a check needs done before it (the context it reads), from the pipeline's steps.
  const needs: Record<string, string[]> = {
    method: ['route'], keyKnown: ['authFormat'], keyActive: ['keyKnown'], ipWhitelist: ['keyKnown'], usageQuota: ['keyKnown'], rateLimit: ['keyKnown'], spendLimit: ['keyKnown'],
    contentType: ['route'], body: ['route'], model: ['body'], input: ['model'], modelKnown: ['model'], schema: ['modelKnown', 'input'], balance: ['schema', 'keyKnown'],
  };
  const names = listed[0]!;
  const last = names.filter((n) => n === 'create' || n === 'lookupRun') as string[];
  const checks = names.filter((n) => !last.includes(n));
  const dependsOn = (a: string, b: string): boolean => (needs[a] ?? []).some((d) => d === b || dependsOn(d, b));
  /** Checks in dependency order, `first` (and what it needs) as early as possible, `late` as late as possible. */
  const order = (first: string, late: string): string[] => {
    const out: string[] = [];
    const rank = (n: string) => (n === first || dependsOn(first, n) ? 0 : n === late ? 2 : 1);
    while (out.length < checks.length) {
      const ready = checks.filter((n) => !out.includes(n) && (needs[n] ?? []).every((d) => out.includes(d)));
      out.push(ready.sort((x, y) => rank(x) - rank(y) || names.indexOf(x) - names.indexOf(y))[0]!);
    }
    return [...out, ...last];
  };
  const orders = [...listed];
  const before = (o: string[], a: string, b: string) => o.indexOf(a) < o.indexOf(b);
  for (const a of checks) for (const b of checks) {
    if (a === b || dependsOn(a, b) || dependsOn(b, a) || orders.some((o) => before(o, a, b))) continue;
    orders.push(order(a, b));
  }
  return orders;
}

interface Target { emulator: RunningEmulator; env: Record<string, string>; order: string[] }

describe('one fault per request', () => {
  const targets: Target[] = [];
  beforeAll(async () => {
    for (const order of faultOrders()) {
      const emulator = await startEmulator({ clock: 'virtual', choices: { precedence: order, contentType: 415 } });
      targets.push({ emulator, order, env: provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 2 }) });
    }
  });
  afterAll(() => Promise.all(targets.map((t) => t.emulator.close())));

  /** The answer of `t` to `p`, as `status code`; the key's window is let pass first, so no rate limit is in it. */
  async function answer(t: Target, p: Probe): Promise<string> {
    t.emulator.state.clock.advance(windowMs);
    const pool = t.env[fixtureEnv('apiKeys')]!.split(',')[0]!;
    const headers: Record<string, string> = {};
    const auth = 'fixture' in p.auth ? `${contract.limits.keys.scheme} ${p.auth.fixture === 'apiKeys' ? pool : t.env[fixtureEnv(p.auth.fixture)]}` : p.auth.header(pool);
    if (auth !== null) headers.authorization = auth;
    const type = p.contentType === undefined ? (p.body === undefined ? null : 'application/json') : p.contentType;
    if (type !== null) headers['content-type'] = type;
    const res = await request(t.emulator.url + contract.limits.apiRootPath + p.path, { method: p.method as 'GET', headers, ...(p.body === undefined ? {} : { body: p.body }) });
    const text = await res.body.text();
    let c: string | undefined;
    try { c = (JSON.parse(text) as { error?: { code?: string } }).error?.code; } catch { c = undefined; }
    return c ? `${res.statusCode} ${c}` : String(res.statusCode);
  }

  /** The probes whose answers differ between fault orders, or fall outside what their rule accepts. */
  async function offenders(probes: Probe[]): Promise<string[]> {
    const bad: string[] = [];
    for (const p of probes) {
      const answers = await Promise.all(targets.map((t) => answer(t, p)));
      const outside = answers.filter((a) => !p.accepts.includes(a));
      const distinct = new Set(answers);
      if (outside.length || (p.accepts.length === 1 && distinct.size > 1)) {
        const body = p.body === undefined ? '' : typeof p.body === 'string' ? p.body.slice(0, 120) : `<${p.body.length} bytes>`;
        bad.push(`${p.rule} ${p.method} ${p.path.slice(0, 80)} ${body}: ${[...distinct].join(' | ')} (accepts ${p.accepts.join(' | ')})`);
      }
    }
    return bad;
  }

  it('meets every two independent checks in both orders', () => {
    const orders = targets.map((t) => t.order);
    expect(orders.length).toBeGreaterThanOrEqual(5);
    // The orders are those faultOrders() gave: every pair it could order both ways is ordered both ways.
    const names = orders[0]!;
    const both = (a: string, b: string) => orders.some((o) => o.indexOf(a) < o.indexOf(b)) && orders.some((o) => o.indexOf(b) < o.indexOf(a));
    expect(both('contentType', 'body') && both('authFormat', 'body') && both('rateLimit', 'ipWhitelist') && both('balance', 'keyActive') && both('spendLimit', 'usageQuota')).toBe(true);
    expect(names).toContain('lookupRun');
  });

  it('classifies every generator export: a request source of a single-fault rule, or not one, with why', () => {
    const exported = Object.keys(generators).filter((k) => typeof (generators as Record<string, unknown>)[k] === 'function');
    expect(exported.filter((k) => !(k in GENERATED) && !(k in NOT_REQUESTS))).toEqual([]);
  });

  it('every generated request of a single-fault rule carries one fault', async () => {
    const probes = Object.values(GENERATED).flatMap((make) => make());
    expect(probes.length).toBeGreaterThan(100);
    expect(await offenders(probes)).toEqual([]);
  }, 120_000);

  it('every Pact interaction carries one fault (as the pact file sends it)', async () => {
    const pact = JSON.parse(readFileSync(join(contractsDir, 'pacts', PACT_FILE), 'utf8')) as { interactions: { description: string; request: { headers?: Record<string, string[]>; body?: { content: unknown; contentType?: string } } }[] };
    const cases = pactCases();
    const probes: Probe[] = [];
    for (const c of cases) {
      const written = pact.interactions.find((i) => i.description.startsWith(`${c.ruleId}:`))!;
      const headers = Object.fromEntries(Object.entries(written.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v[0]!]));
      const content = written.request.body?.content;
      const body = content === undefined ? undefined : typeof content === 'string' ? content : JSON.stringify(content);
      if (c.request.readsProviderRun || c.response.code === contract.errors.faults.rateLimited.code) continue; // below
      const accepts = [c.response.code ? `${c.response.status} ${c.response.code}` : String(c.response.status)];
      probes.push({ rule: c.ruleId, method: c.request.method, path: c.request.path.slice(contract.limits.apiRootPath.length), auth: c.fixture ? { fixture: c.fixture } : { header: () => null }, contentType: headers['content-type'] ?? null, ...(body === undefined ? {} : { body }), accepts });
    }
    expect(probes.length).toBe(cases.length - 2);
    expect(await offenders(probes)).toEqual([]);
    // The rate-limited and read interactions need their state first: a spent key, a created run.
    const limited = cases.find((c: PactCase) => c.response.code === contract.errors.faults.rateLimited.code)!;
    const spent = await Promise.all(targets.map(async (t) => {
      const key = t.env[fixtureEnv('apiKeys')]!.split(',')[1]!;
      t.emulator.state.clock.advance(windowMs);
      const send = () => request(t.emulator.url + contract.limits.apiRootPath + limited.request.path.slice(contract.limits.apiRootPath.length), { headers: { authorization: `Bearer ${key}` } }).then(async (r) => { await r.body.dump(); return r.statusCode; });
      for (let i = 0; i < contract.limits.rateLimit.requests; i++) await send();
      return send();
    }));
    expect(new Set(spent)).toEqual(new Set([limited.response.status]));
    const read = cases.find((c: PactCase) => c.request.readsProviderRun)!;
    const reads = await Promise.all(targets.map(async (t) => {
      const key = t.env[fixtureEnv('apiKeys')]!.split(',')[0]!;
      t.emulator.state.clock.advance(windowMs);
      const created = await request(`${t.emulator.url}${contract.limits.apiRootPath}${runsPath()}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: validBody });
      const { id } = (await created.body.json()) as { id: string };
      const res = await request(`${t.emulator.url}${contract.limits.apiRootPath}${runPath(id)}`, { headers: { authorization: `Bearer ${key}` } });
      await res.body.dump();
      return res.statusCode;
    }));
    expect(new Set(reads)).toEqual(new Set([read.response.status]));
  }, 120_000);
});
