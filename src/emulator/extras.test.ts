// The response extras of contracts/emulator.json "choices", over real loopback HTTP: absent at the
// defaults, present with the right values when chosen.
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract } from '../contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator, type OpenChoices } from './index.ts';

const running: RunningEmulator[] = [];
afterAll(async () => { for (const e of running) await e.close(); });

const root = contract.limits.apiRootPath;
const runs = contract.limits.endpoints.createRun.path;
const valid = JSON.stringify({ model: contract.models.defaultModel, input: { prompt: 'a lighthouse at dusk' } });

async function emulator(choices: Partial<OpenChoices>) {
  const emu = await startEmulator({ clock: 'virtual', choices });
  running.push(emu);
  const env = provisionFixtures(emu.state, { url: emu.url, adminUrl: emu.adminUrl, adminToken: emu.adminToken });
  const key = env[contract.fixtures.apiKeys!.env[0]!]!.split(',')[0]!;
  const call = async (method: string, path: string, body?: string, auth = `Bearer ${key}`) => {
    const res = await request(emu.url + root + path, { method: method as 'GET', headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body }) });
    return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as Record<string, any> };
  };
  return { emu, call };
}

describe('emulator choices: response extras', () => {
  it('adds nothing at the defaults', async () => {
    const { call } = await emulator({});
    const error = await call('GET', `${runs}/run_nothere`);
    expect(Object.keys(error.json)).toEqual(['error']);
    expect(Object.keys(error.json.error).sort()).toEqual(['code', 'message']);
    const created = await call('POST', runs, valid);
    expect(created.json).not.toHaveProperty('object');
    expect(created.json).not.toHaveProperty('createdAt');
  });

  it('adds error.status to error bodies (beside the envelopeExtras choice), object and createdAt to run bodies', async () => {
    const { call } = await emulator({ errorStatusField: true, envelopeExtras: 'top-level', runObjectField: true, createdAtOnCreate: true });
    const error = await call('GET', `${runs}/run_nothere`);
    expect(error.json.error.status).toBe(error.status);
    expect(error.json.requestId).toMatch(/^req_/);
    const created = await call('POST', runs, valid);
    expect(created.json).toMatchObject({ object: 'run', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const read = await call('GET', `${runs}/${created.json.id}`);
    expect(read.json.object).toBe('run');
    expect(read.json.createdAt).toBe(created.json.createdAt);
    expect(read.json).not.toHaveProperty('requestId');
  });

  it('sends Retry-After on 429 only when chosen: the whole seconds until the window admits again', async () => {
    for (const retryAfterOn429 of [false, true]) {
      const { call } = await emulator({ retryAfterOn429 });
      let last;
      for (let i = 0; i <= contract.limits.rateLimit.requests; i++) last = await call('GET', `${runs}/run_nothere`);
      expect(last!.status).toBe(429);
      if (retryAfterOn429) expect(last!.headers['retry-after']).toBe(String(contract.limits.rateLimit.windowSeconds));
      else expect(last!.headers['retry-after']).toBeUndefined();
    }
  });

  it('Retry-After counts down to the end of the window, sliding or fixed', async () => {
    const { requests, windowSeconds } = contract.limits.rateLimit;
    for (const rateWindow of ['sliding', 'fixed-first-request'] as const) {
      const { emu, call } = await emulator({ retryAfterOn429: true, rateWindow });
      for (let i = 0; i < requests; i++) await call('GET', `${runs}/run_nothere`);
      emu.state.clock.advance(3500);
      const refused = await call('GET', `${runs}/run_nothere`);
      expect(refused.status, rateWindow).toBe(429);
      // 10 s window, 3.5 s gone: 6.5 s left, in whole seconds rounded up.
      expect(refused.headers['retry-after'], rateWindow).toBe(String(Math.ceil(windowSeconds - 3.5)));
    }
  });
});
