// The reference emulator over real loopback HTTP: every catalogue error, the lifecycle and refunds on
// the virtual clock, the rate limit (virtual and real time), isolation, the admin API, hostile input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract, errorByCode } from '../contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from './index.ts';
import { choices } from '../contract/emulator-choices.ts';

interface Reply { status: number; json: any; headers: Record<string, string | string[] | undefined> }

async function call(base: string, method: string, path: string, opts: { key?: string | null; auth?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await request(base + path, { method: method as 'GET', headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
  const text = await res.body.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.statusCode, json, headers: res.headers };
}

const root = contract.limits.apiRootPath;
const valid = JSON.stringify({ model: contract.models.defaultModel, input: { prompt: 'a lighthouse at dusk' } });
const limit = contract.limits.rateLimit;

function expectError(reply: Reply, code: string) {
  const entry = errorByCode(code);
  expect(reply.status).toBe(entry.status);
  expect(reply.json).toEqual({ error: { message: expect.any(String), code } });
  expect(reply.json.error.message.length).toBeGreaterThan(0);
}

describe('the reference emulator', () => {
  let emu: RunningEmulator;
  let env: Record<string, string>;
  let pool: string[];
  let admin: (method: string, path: string, body?: unknown) => Promise<Reply>;
  const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(emu.url, method, root + path, opts);

  beforeAll(async () => {
    emu = await startEmulator({ clock: 'virtual' });
    env = provisionFixtures(emu.state, { url: emu.url, adminUrl: emu.adminUrl, adminToken: emu.adminToken, poolSize: 12 });
    pool = env.RUNBASE_API_KEY!.split(',');
    admin = (method, path, body) => call(emu.adminUrl, method, path, { auth: `Bearer ${emu.adminToken}`, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  });
  afterAll(() => emu.close());

  // A fresh key on account A for each test, so rate budgets never interfere.
  let next = 0;
  const freshKey = () => pool[next++ % pool.length]!;
  const advance = (ms: number) => admin('POST', '/admin/clock/advance', { ms });

  it('creates a run (201) and reads it back (200)', async () => {
    const key = freshKey();
    const created = await api('POST', '/runs', { key, body: valid });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: expect.stringMatching(/^run_[A-Za-z0-9]{24}$/), model: contract.models.defaultModel, status: 'pending', costUsd: 40000 });
    const read = await api('GET', `/runs/${created.json.id}`, { key });
    expect(read.status).toBe(200);
    expect(read.json.status).toBe('pending');
  });

  it('answers every catalogue error with its status, code and envelope', async () => {
    const k = freshKey();
    expectError(await api('POST', '/runs', { key: k, body: '{"model":' }), 'invalid_json');
    expectError(await api('POST', '/runs', { key: k, body: '{"input":{}}' }), 'missing_model');
    expectError(await api('POST', '/runs', { key: k, body: `{"model":"${contract.models.defaultModel}"}` }), 'missing_input');
    expectError(await api('POST', '/runs', { key: k, body: `{"model":"${contract.models.defaultModel}","input":{"prompt":"x","resolution":"8K"}}` }), 'invalid_input');
    expectError(await api('POST', '/runs', { key: k, body: '{"model":"google/nope","input":{"prompt":"x"}}' }), 'model_not_found');
    expectError(await api('GET', '/runs/run_x', {}), 'missing_api_key');
    expectError(await api('GET', '/runs/run_x', { auth: `Token ${k}` }), 'missing_api_key');
    expectError(await api('GET', '/runs/run_x', { key: 'sk-nobodyhasthiskey000' }), 'invalid_api_key');
    // The prefix is "sk-" exactly (docs/emulator.md): another case is a token without it; the scheme's case is free.
    expectError(await api('GET', '/runs/run_x', { auth: `Bearer ${k.replace('sk-', 'SK-')}` }), 'missing_api_key');
    expect((await api('GET', '/runs/run_x', { auth: `bEARER ${k}` })).status).toBe(404);
    expectError(await api('GET', '/runs/run_x', { key: env.RUNBASE_DISABLED_KEY! }), 'invalid_api_key');
    expectError(await api('GET', '/runs/run_x', { key: env.RUNBASE_EXPIRED_KEY! }), 'invalid_api_key');
    expectError(await api('POST', '/runs', { key: env.RUNBASE_LOW_BALANCE_KEY!, body: valid }), 'insufficient_balance');
    expectError(await api('POST', '/runs', { key: env.RUNBASE_SPENT_KEY!, body: valid }), 'api_key_spend_limit_exceeded');
    expectError(await api('GET', '/runs/run_x', { key: env.RUNBASE_IP_RESTRICTED_KEY! }), 'ip_not_allowed');
    expectError(await api('GET', '/runs/run_x', { key: env.RUNBASE_QUOTA_EXHAUSTED_KEY! }), 'USAGE_EXCEEDED');
    expectError(await api('GET', '/runs/run_x', { key: k }), 'run_not_found');
    const limited = freshKey();
    for (let i = 0; i < limit.requests; i++) await api('GET', '/runs/run_x', { key: limited });
    const over = await api('GET', '/runs/run_x', { key: limited });
    expectError(over, 'RATE_LIMITED');
    expect(over.json.error.message).toBe(limit.message);
  });

  it('moves a run to succeeded on the virtual clock, with output and timestamps', async () => {
    const key = freshKey();
    const { json: run } = await api('POST', '/runs', { key, body: valid });
    await advance(choices.lifecycleMs.processingAfter);
    expect((await api('GET', `/runs/${run.id}`, { key })).json.status).toBe('processing');
    await advance(choices.lifecycleMs.terminalAfter);
    const done = (await api('GET', `/runs/${run.id}`, { key })).json;
    expect(done.status).toBe('succeeded');
    expect(done.output.urls[0]).toMatch(/^https:\/\//);
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  it('takes the cost at create and refunds a failed run in full', async () => {
    const key = freshKey();
    const accountId = (await admin('GET', `/admin/keys/${key}`)).json.accountId;
    const balance = async () => (await admin('GET', `/admin/accounts/${accountId}`)).json.balanceMicroUsd as number;
    const before = await balance();
    await admin('POST', `/admin/keys/${key}/fail-next`);
    const { json: run } = await api('POST', '/runs', { key, body: valid });
    expect(await balance()).toBe(before - run.costUsd);
    await advance(choices.lifecycleMs.terminalAfter);
    const failed = (await api('GET', `/runs/${run.id}`, { key })).json;
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ message: expect.any(String), code: expect.any(String) });
    expect(await balance()).toBe(before);
  });

  it('rate-limits per key with one budget for POST and GET, and refills after the window', async () => {
    const [a, b] = [freshKey(), freshKey()];
    for (let i = 0; i < limit.requests / 2; i++) await api('GET', '/runs/run_x', { key: a });
    for (let i = 0; i < limit.requests / 2; i++) expect((await api('POST', '/runs', { key: a, body: '{' })).status).toBe(400);
    expectError(await api('POST', '/runs', { key: a, body: valid }), 'RATE_LIMITED');
    expectError(await api('GET', '/runs/run_x', { key: b }), 'run_not_found');
    await advance(limit.windowSeconds * 1000);
    expectError(await api('GET', '/runs/run_x', { key: a }), 'run_not_found');
  });

  it('keeps runs from other accounts, and shows them to every key of the owner', async () => {
    const [k1, k2] = [freshKey(), freshKey()];
    const { json: run } = await api('POST', '/runs', { key: k1, body: valid });
    expect((await api('GET', `/runs/${run.id}`, { key: k2 })).status).toBe(200);
    expectError(await api('GET', `/runs/${run.id}`, { key: env.RUNBASE_OTHER_ACCOUNT_KEY! }), 'run_not_found');
    expectError(await api('GET', `/runs/${env.RUNBASE_OTHER_ACCOUNT_RUN_ID}`, { key: k1 }), 'run_not_found');
  });

  it('ignores forwarding headers for the IP whitelist', async () => {
    const spoof = { 'x-forwarded-for': env.RUNBASE_IP_RESTRICTED_ALLOWED_IP!, 'x-real-ip': env.RUNBASE_IP_RESTRICTED_ALLOWED_IP!, forwarded: `for=${env.RUNBASE_IP_RESTRICTED_ALLOWED_IP}`, 'true-client-ip': env.RUNBASE_IP_RESTRICTED_ALLOWED_IP! };
    expectError(await api('GET', '/runs/run_x', { key: env.RUNBASE_IP_RESTRICTED_KEY!, headers: spoof }), 'ip_not_allowed');
  });

  it('guards the admin port with its token, and does not serve admin routes publicly', async () => {
    expect((await call(emu.adminUrl, 'GET', '/admin/clock')).status).toBe(401);
    expect((await call(emu.adminUrl, 'GET', '/admin/clock', { auth: 'Bearer wrong' })).status).toBe(401);
    expect((await admin('GET', '/admin/clock')).status).toBe(200);
    expect((await call(emu.url, 'GET', '/admin/clock', { auth: `Bearer ${emu.adminToken}` })).status).toBe(404);
    expect((await admin('POST', '/admin/keys', { accountId: (await admin('POST', '/admin/accounts', { balanceMicroUsd: 0 })).json.id, ipWhitelist: Array.from({ length: contract.limits.keys.ipWhitelistMax + 1 }, (_, i) => `10.0.0.${i}`) })).status).toBe(400);
  });

  it('answers hostile input with 4xx, never a 5xx', async () => {
    const key = freshKey();
    const bodies: (string | Uint8Array)[] = [
      new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      `{"__proto__":{"model":"x"},"constructor":{"prototype":{"polluted":1}},"model":"${contract.models.defaultModel}","input":{"__proto__":{"prompt":1}}}`,
      `{"model":"${contract.models.defaultModel}","input":{"prompt":"x","resolution":1e400}}`,
      'x'.repeat(2 * 1024 * 1024),
    ];
    for (const body of bodies) {
      await advance(limit.windowSeconds * 1000);
      const reply = await api('POST', '/runs', { key, body });
      expect(reply.status, typeof body === 'string' ? body.slice(0, 40) : 'bytes').toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
    // NUL and a lone surrogate are legal inside a JSON string: a run, not a crash.
    const odd = await api('POST', '/runs', { key, body: `{"model":"${contract.models.defaultModel}","input":{"prompt":"\\ud800\\u0000"}}` });
    expect(odd.status).toBe(contract.limits.endpoints.createRun.successStatus);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers undocumented routes and methods as documented in contracts/emulator.json', async () => {
    const key = freshKey();
    expect((await api('GET', '/nope', { key })).status).toBe(choices.undocumentedErrors.routeNotFound.status);
    const wrong = await api('DELETE', '/runs', { key });
    expect(wrong.status).toBe(choices.undocumentedErrors.methodNotAllowed.status);
    expect(wrong.headers.allow).toBe(contract.limits.endpoints.createRun.method);
  });
});

describe('the reference emulator in real time', () => {
  it('admits 20 quick requests for a key and rate-limits the 21st', async () => {
    const emu = await startEmulator({ clock: 'real' });
    try {
      const env = provisionFixtures(emu.state, { url: emu.url, adminUrl: emu.adminUrl, adminToken: emu.adminToken });
      const key = env.RUNBASE_API_KEY!.split(',')[0]!;
      const statuses: number[] = [];
      for (let i = 0; i <= limit.requests; i++) statuses.push((await call(emu.url, 'GET', `${root}/runs/run_x`, { key })).status);
      expect(statuses.slice(0, limit.requests).every((s) => s === errorByCode('run_not_found').status)).toBe(true);
      expect(statuses[limit.requests]).toBe(errorByCode('RATE_LIMITED').status);
    } finally {
      await emu.close();
    }
  });
});
