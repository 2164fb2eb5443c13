import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, badEnvLine, loadConfig } from './index.ts';

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
    writeFileSync(file, `# settings\nRUNBASE_URL=https://x.test\nexport RUNBASE_API_KEY="${KEY}"\nRUNBASE_SEED=7 # a comment\n\nRUNBASE_RUNS=9\nRUNBASE_DISABLED_KEY=${KEY}\n`);
    const c = loadConfig({ RUNBASE_RUNS: '3' }, { dotenvPath: file });
    expect(c).toMatchObject({ seed: 7, runs: 3 });
    expect(c.keys.disabled).toBe(KEY);
  });

  const envFile = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'runbase-config-')), '.env');
    writeFileSync(file, text);
    return file;
  };

  it('refuses a set-but-empty RUNBASE_URL instead of falling back to the embedded emulator', () => {
    expect(() => loadConfig({ RUNBASE_URL: '', RUNBASE_API_KEY: KEY }, none)).toThrowError(/RUNBASE_URL is set but empty/);
    expect(() => loadConfig({ RUNBASE_URL: '  ' }, none)).toThrowError(/RUNBASE_URL is set but empty/);
  });

  it('refuses keys, fixtures or the admin API without a target, naming them, never their values', () => {
    for (const name of ['RUNBASE_API_KEY', 'RUNBASE_OTHER_ACCOUNT_KEY', 'RUNBASE_QUOTA_EXHAUSTED_KEY', 'RUNBASE_ADMIN_TOKEN', 'RUNBASE_OTHER_ACCOUNT_RUN_ID']) {
      let message = '';
      try { loadConfig({ [name]: KEY }, none); } catch (e) { expect(e).toBeInstanceOf(ConfigError); message = (e as Error).message; }
      expect(message).toContain(name);
      expect(message).not.toContain(KEY);
    }
    // A misspelt key variable, or a key under any other name, means a target was meant too.
    for (const name of ['RUNBASE_API_KEYS', 'RUNBASE_DISABLED_KEY_2', 'RUNBASE_STAGING_TOKEN', 'RUNBASE_KEYPOOL']) {
      expect(() => loadConfig({ [name]: KEY }, none), name).toThrowError(new RegExp(`${name} set but RUNBASE_URL is not`));
    }
    // From the settings file as well.
    expect(() => loadConfig({}, { dotenvPath: envFile(`RUNBASE_API_KEY=${KEY}\n`) })).toThrowError(/RUNBASE_API_KEY set but RUNBASE_URL is not/);
  });

  it('refuses a RUNBASE_ENV_FILE that is missing, empty or unreadable; a missing default .env is fine', () => {
    expect(() => loadConfig({ RUNBASE_ENV_FILE: '/nonexistent/.env' })).toThrowError(/RUNBASE_ENV_FILE names a file that does not exist/);
    expect(() => loadConfig({ RUNBASE_ENV_FILE: '' })).toThrowError(/RUNBASE_ENV_FILE is set but empty/);
    expect(() => loadConfig({ RUNBASE_ENV_FILE: tmpdir() })).toThrowError(/RUNBASE_ENV_FILE cannot be read/);
    expect(loadConfig({}, none).target).toEqual({ kind: 'embedded' });
    expect(loadConfig({ RUNBASE_ENV_FILE: '/dev/null' }).target).toEqual({ kind: 'embedded' });
  });

  it.each([
    ['a line without =', `RUNBASE_SEED=7\nRUNBASE_URL https://x.test\n`, 2],
    ['a bad name', `# c\n\nRUNBASE URL=https://x.test\n`, 3],
    ['an unclosed quote', `RUNBASE_SEED=7\nRUNBASE_URL="https://x.test\n`, 2],
    ['text after a quoted value', `RUNBASE_URL='https://x.test' oops\n`, 1],
    ['a pasted key alone', `RUNBASE_SEED=1\n\n\n${KEY}\n`, 4],
    // dotenv reads a bare CR as a line end: the line after it must be judged as a line too.
    ['a line without = after a bare CR', `RUNBASE_SEED=1\rRUNBASE_URL https://x.test\n`, 2],
    ['a line without = after CRLF', `RUNBASE_SEED=1\r\nRUNBASE_URL https://x.test\r\n`, 2],
  ])('refuses an env-file line that does not parse (%s), giving its number but not its text', (_what, text, line) => {
    let message = '';
    try { loadConfig({ RUNBASE_ENV_FILE: envFile(text) }); } catch (e) { expect(e).toBeInstanceOf(ConfigError); message = (e as Error).message; }
    expect(message).toContain(`RUNBASE_ENV_FILE: line ${line} is not NAME=value`);
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('x.test');
  });

  it('accepts multi-line quoted values and comments after values', () => {
    const file = envFile(`RUNBASE_URL=https://x.test\nRUNBASE_API_KEY=${KEY}\nRUNBASE_MODEL="google/nano-banana-2" # default\nNOTE="two\nlines"\n`);
    expect(loadConfig({}, { dotenvPath: file }).model).toBe('google/nano-banana-2');
  });

  it('refuses RUNBASE_EMBEDDED (only the global setup makes a run embedded) and a set-but-empty report directory', () => {
    expect(() => loadConfig({ RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: KEY, RUNBASE_EMBEDDED: '1' }, none)).toThrowError(/^RUNBASE_EMBEDDED is not a setting/);
    expect(() => loadConfig({ RUNBASE_EMBEDDED: '' }, none)).toThrowError(/^RUNBASE_EMBEDDED is not a setting/);
    expect(loadConfig({ RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: KEY, RUNBASE_CLOCK: 'real' }, { ...none, embedded: true })).toMatchObject({ embedded: true, allowBillable: true });
    expect(loadConfig({ RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: KEY }, none)).toMatchObject({ embedded: false, allowBillable: false });
    expect(() => loadConfig({ RUNBASE_REPORT_DIR: '' }, none)).toThrowError(/^RUNBASE_REPORT_DIR is set but empty/);
  });

  it('refuses a URL that holds a key (the banner and target errors would print it), never showing it', () => {
    for (const url of ['http://sk-pastedsecret00000000001', 'https://x.test/sk-pastedsecret00000000001/api/v1', 'sk-pastedsecret00000000001']) {
      expect(() => loadConfig({ RUNBASE_URL: url, RUNBASE_API_KEY: KEY }, none), url).toThrowError(/^RUNBASE_URL holds what looks like an API key \(value not shown\)$/);
    }
    // Words that merely contain the prefix are hosts like any other.
    expect(loadConfig({ RUNBASE_URL: 'https://desk-api.example', RUNBASE_API_KEY: KEY }, none).target).toMatchObject({ kind: 'remote' });
  });

  it('does not echo a secret pasted into a URL or any other setting', () => {
    for (const [name, extra] of [['RUNBASE_URL', {}], ['RUNBASE_ADMIN_URL', { RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: KEY, RUNBASE_ADMIN_TOKEN: 'adm_x' }], ['RUNBASE_RUNS', {}], ['RUNBASE_STRICT', {}], ['RUNBASE_MODEL', {}]] as const) {
      let message = '';
      try { loadConfig({ ...extra, [name]: 'sk-pastedsecret0000001' }, none); } catch (e) { message = (e as Error).message; }
      expect(message, name).toContain(name);
      expect(message, name).not.toContain('pastedsecret');
    }
  });
});

describe('the shipped settings template', () => {
  it('.env.example passes the strict line check, so a copy of it is a valid settings file', () => {
    expect(badEnvLine(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'))).toBeUndefined();
  });
});
