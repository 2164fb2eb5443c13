import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const none = { dotenvPath: '/nonexistent/.env' };
const KEY = 'sk-secretvalue123456';

describe('configuration', () => {
  it('embedded by default, with its defaults', () => {
    const c = loadConfig({}, none);
    expect(c.target).toEqual({ kind: 'embedded' });
    expect(c).toMatchObject({ model: 'google/nano-banana-2', seed: 42, runs: 50, strict: false, requireAll: false, clock: 'real' });
  });

  it('appends the API root to an origin, and keeps a full root', () => {
    expect(loadConfig({ RUNBASE_URL: 'https://staging.runbase.net', RUNBASE_API_KEY: KEY }, none).target).toEqual({ kind: 'remote', origin: 'https://staging.runbase.net', apiRoot: 'https://staging.runbase.net/api/v1' });
    expect(loadConfig({ RUNBASE_URL: 'https://api.runbase.net/v1/', RUNBASE_API_KEY: KEY }, none).target).toMatchObject({ apiRoot: 'https://api.runbase.net/v1' });
    const remote = loadConfig({ RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: `${KEY},sk-other0000000000` }, none);
    expect(remote).toMatchObject({ runs: 10, maxRequests: 1500, allowBillable: false });
    expect(remote.keys.pool).toHaveLength(2);
  });

  it.each([
    ['RUNBASE_RUNS', 'abc'], ['RUNBASE_RUNS', '0'], ['RUNBASE_SEED', '1.5'], ['RUNBASE_STRICT', 'maybe'], ['RUNBASE_URL', 'ftp://x'],
    ['RUNBASE_URL', 'https://x.test/?a=1'], ['RUNBASE_MODEL', 'google/nope'], ['RUNBASE_TIMEOUT_MS', '5'], ['RUNBASE_IP_RESTRICTED_ALLOWED_IP', 'not-an-ip'],
    ['RUNBASE_CLOCK', 'virtual'], ['RUNBASE_ADMIN_URL', 'http://127.0.0.1:1'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value }, none)).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value }, none)).toThrowError(new RegExp(name));
  });

  it('never shows a key in its messages', () => {
    const bad = 'pk-notasecretprefix-but-private';
    expect(() => loadConfig({ RUNBASE_DISABLED_KEY: bad }, none)).toThrowError(/RUNBASE_DISABLED_KEY/);
    try { loadConfig({ RUNBASE_DISABLED_KEY: bad }, none); } catch (e) { expect((e as Error).message).not.toContain(bad); }
    expect(() => loadConfig({ RUNBASE_URL: 'https://x.test' }, none)).toThrowError(/RUNBASE_API_KEY is required/);
  });

  it('reads .env, and the real environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, `RUNBASE_SEED=7\nRUNBASE_RUNS=9\nRUNBASE_DISABLED_KEY=${KEY}\n`);
    const c = loadConfig({ RUNBASE_RUNS: '3' }, { dotenvPath: file });
    expect(c).toMatchObject({ seed: 7, runs: 3 });
    expect(c.keys.disabled).toBe(KEY);
  });
});
