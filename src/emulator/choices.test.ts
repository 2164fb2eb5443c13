// Every open choice of contracts/emulator.json over real loopback HTTP: each value of each choice makes
// the emulator answer a probe differently from every other value of that choice, the default value
// answers as the emulator without choices does, and a value the choice does not take is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract, runCost, modelById } from '../contract/index.ts';
import { startEmulator, type RunningEmulator } from './index.ts';
import { choiceCatalogue, choicesFromJson, parseChoiceArgs, resolveChoices, type ChoiceName, type ChoiceValue } from '../contract/emulator-choices.ts';

const root = contract.limits.apiRootPath;
const valid = JSON.stringify({ model: contract.models.defaultModel, input: { prompt: 'a lighthouse at dusk' } });
const cost = runCost(modelById(contract.models.defaultModel)!, { prompt: 'x' });
const { requests: LIMIT, windowSeconds } = contract.limits.rateLimit;
const WINDOW = windowSeconds * 1000;

async function send(emu: RunningEmulator, method: string, path: string, opts: { auth?: string; body?: string | Buffer; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await request(emu.url + root + path, { method: method as 'GET', headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
  const text = await res.body.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.statusCode, json };
}
const said = (r: { status: number; json: any }) => `${r.status} ${r.json?.error?.code ?? ''}`.trim();

function fresh(emu: RunningEmulator, settings: Parameters<RunningEmulator['state']['createKey']>[1] = {}, balance = 1e9) {
  const account = emu.state.createAccount({ balanceMicroUsd: balance });
  return emu.state.createKey(account.id, settings);
}
const bearer = (key: { key: string }) => `Bearer ${key.key}`;

/** `n` GETs of an unknown run with `key` at one instant of the virtual clock: how many the limiter admitted. */
async function admitted(emu: RunningEmulator, key: { key: string }, n: number): Promise<number> {
  const replies = await Promise.all(Array.from({ length: n }, () => send(emu, 'GET', '/runs/run_x', { auth: bearer(key) })));
  return replies.filter((r) => r.status !== 429).length;
}
/** Move the virtual clock to `phase` ms past a multiple of the window. */
const toPhase = (emu: RunningEmulator, phase: number) => emu.state.clock.advance((phase - (emu.state.clock.now() % WINDOW) + WINDOW) % WINDOW || WINDOW);

/** What each choice changes, seen over HTTP (one probe per choice; a new choice without one fails). */
const probes: Record<ChoiceName, (emu: RunningEmulator) => Promise<unknown>> = {
  async precedence(emu) {
    const disabled = fresh(emu, { disabled: true });
    return [
      said(await send(emu, 'GET', '/nope')),
      said(await send(emu, 'POST', '/runs', { body: '{"model": ' })),
      said(await send(emu, 'POST', '/runs', { auth: bearer(disabled), body: '{"model": ' })),
      // A key both at its usage quota and at its spend cap: which of the two is checked first.
      said(await send(emu, 'GET', '/runs/run_x', { auth: bearer(fresh(emu, { usageQuota: 0, spendLimitCents: 0 })) })),
    ];
  },
  async rateWindow(emu) {
    const a = fresh(emu);
    const b = fresh(emu);
    toPhase(emu, WINDOW / 2);
    const first = [await admitted(emu, a, 1), (emu.state.clock.advance(WINDOW - 1000), await admitted(emu, a, LIMIT - 1)), (emu.state.clock.advance(2000), await admitted(emu, a, LIMIT))];
    toPhase(emu, WINDOW / 2);
    const second = [await admitted(emu, b, LIMIT), (emu.state.clock.advance(WINDOW * 0.6), await admitted(emu, b, LIMIT))];
    return [first, second];
  },
  async rejectedCount(emu) {
    const key = fresh(emu);
    await admitted(emu, key, LIMIT);
    emu.state.clock.advance(WINDOW / 2);
    await admitted(emu, key, 5);
    emu.state.clock.advance(WINDOW / 2 + 1);
    return admitted(emu, key, LIMIT);
  },
  unknownRouteStatus: async (emu) => said(await send(emu, 'GET', '/nope')),
  wrongMethod: async (emu) => said(await send(emu, 'DELETE', '/runs')),
  bodyLimit: async (emu) => said(await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu)), body: Buffer.alloc(1_048_577, 0x20) })),
  contentType: async (emu) => said(await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu)), body: valid, type: 'text/plain' })),
  noSkPrefix: async (emu) => said(await send(emu, 'GET', '/runs/run_x', { auth: 'Bearer abcdef' })),
  bearerCase: async (emu) => said(await send(emu, 'GET', '/runs/run_x', { auth: `bearer ${fresh(emu).key}` })),
  envelopeExtras: async (emu) => {
    const r = await send(emu, 'GET', '/runs/run_x');
    return [Object.keys(r.json).sort(), Object.keys(r.json.error).sort()];
  },
  runIdFormat: async (emu) => (await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu)), body: valid })).json.id.replace(/[0-9a-zA-Z]/g, 'x'),
  async runVisibility(emu) {
    const key = fresh(emu);
    const other = emu.state.createKey(key.accountId);
    const run = await send(emu, 'POST', '/runs', { auth: bearer(key), body: valid });
    return said(await send(emu, 'GET', `/runs/${run.json.id}`, { auth: bearer(other) }));
  },
  balanceEqualCost: async (emu) => said(await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu, {}, cost)), body: valid })),
  // A cap one cent under the run's cost, nothing spent yet: this run would cross it.
  spendCap: async (emu) => said(await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu, { spendLimitCents: cost / contract.limits.money.microUsdPerCent - 1 })), body: valid })),
  // Response extras (extras.ts; their values are checked in extras.test.ts).
  errorStatusField: async (emu) => Object.keys((await send(emu, 'GET', '/runs/run_x')).json.error).sort(),
  runObjectField: async (emu) => Object.keys((await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu)), body: valid })).json).sort(),
  createdAtOnCreate: async (emu) => Object.keys((await send(emu, 'POST', '/runs', { auth: bearer(fresh(emu)), body: valid })).json).sort(),
  async retryAfterOn429(emu) {
    const key = fresh(emu);
    await admitted(emu, key, LIMIT);
    const res = await request(`${emu.url}${root}/runs/run_x`, { headers: { authorization: bearer(key) } });
    await res.body.text();
    return [res.statusCode, res.headers['retry-after'] ?? null];
  },
};

async function observe(name: ChoiceName, value: ChoiceValue | undefined): Promise<unknown> {
  const emu = await startEmulator({ clock: 'virtual', ...(value === undefined ? {} : { choices: { [name]: value } }) });
  try { return await probes[name](emu); } finally { await emu.close(); }
}

describe('the emulator\'s open choices', () => {
  const running: RunningEmulator[] = [];
  afterAll(() => Promise.all(running.map((e) => e.close())));

  it('has a probe for every choice, and every choice at least two values with the default among them', () => {
    const catalogue = choiceCatalogue();
    expect(catalogue.map((c) => c.name).sort()).toEqual(Object.keys(probes).sort());
    for (const c of catalogue) {
      expect(c.values.length, c.name).toBeGreaterThanOrEqual(2);
      expect(c.values.map((v) => JSON.stringify(v)), c.name).toContain(JSON.stringify(c.default));
      expect(new Set(c.values.map((v) => JSON.stringify(v))).size, c.name).toBe(c.values.length);
    }
  });

  for (const c of choiceCatalogue()) {
    it(`${c.name}: each value answers the probe differently; the default as the emulator without choices`, async () => {
      const seen = [];
      for (const value of c.values) seen.push(JSON.stringify(await observe(c.name, value)));
      expect(new Set(seen).size, seen.join('\n')).toBe(c.values.length);
      expect(JSON.stringify(await observe(c.name, undefined))).toBe(seen[c.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(c.default))]);
    });
  }

  it('refuses an unknown choice or a value the choice does not take, naming what it takes', () => {
    expect(() => resolveChoices({ nope: 1 })).toThrow(/no emulator choice 'nope'/);
    expect(() => resolveChoices({ rateWindow: 'hourly' })).toThrow(/rateWindow takes "sliding"/);
    expect(() => resolveChoices({ precedence: ['route'] })).toThrow(/precedence takes/);
    expect(resolveChoices({ unknownRouteStatus: 401 }).unknownRouteStatus).toBe(401);
  });

  it('reads --choice text and both forms of a choices file', () => {
    expect(parseChoiceArgs(['rejectedCount=true', 'contentType=415', 'rateWindow=fixed-wall-clock', 'precedence=a, b'])).toEqual({ rejectedCount: true, contentType: 415, rateWindow: 'fixed-wall-clock', precedence: ['a', 'b'] });
    expect(() => parseChoiceArgs(['rejectedCount'])).toThrow(/name=value/);
    expect(choicesFromJson({ contentType: 'lenient' })).toEqual({ contentType: 'lenient' });
    expect(choicesFromJson({ choices: { contentType: { default: 415, values: [415] } } })).toEqual({ contentType: 415 });
  });
});
