// Fail safe, end to end: `npm test` as a child process against hostile loopback targets and with bad
// settings. Each case asserts the exit code and that the run ended (the helper kills a run that
// does not end in its bound, which then fails on the exit code); how fast it ends is measured by
// `npm run bench:hostile`, not asserted here. Every output is searched for every planted secret in
// every encoding.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { hostileCases, findPlanted, plantedSecrets, type HostileTarget } from '../../src/selftest/hostile.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { runConformance, type CliRun } from '../helpers.ts';

const RUN_BOUND_MS = 150_000;
const REPORTS = ['conformance.json', 'conformance.md', 'junit.xml', 'conformance.html'];

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const close of closers) await close(); });

interface Outputs { run: CliRun; dir: string; texts: Record<string, string>; report?: ConformanceReport }

/** Run `npm test` with a report directory and a job summary file of its own; collect every output. */
async function run(env: Record<string, string>): Promise<Outputs> {
  const dir = mkdtempSync(join(tmpdir(), 'runbase-hostile-'));
  const summary = join(dir, 'step-summary.md');
  writeFileSync(summary, '');
  const result = await runConformance({ RUNBASE_REPORT_DIR: join(dir, 'reports'), GITHUB_STEP_SUMMARY: summary, ...env }, RUN_BOUND_MS);
  const texts: Record<string, string> = { stdout: result.stdout, stderr: result.stderr, 'job summary': readFileSync(summary, 'utf8') };
  for (const name of REPORTS) {
    const file = join(dir, 'reports', name);
    if (existsSync(file)) texts[name] = readFileSync(file, 'utf8');
  }
  const json = texts['conformance.json'];
  return { run: result, dir, texts, ...(json ? { report: JSON.parse(json) as ConformanceReport } : {}) };
}

function expectNoPlantedSecret(outputs: Outputs, secrets: readonly string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const [name, text] of Object.entries(outputs.texts)) expect(findPlanted(text, secrets), `${name} holds a planted secret`).toEqual([]);
}

async function faithful(): Promise<{ emulator: RunningEmulator; env: Record<string, string> }> {
  const emulator = await startEmulator({ clock: 'virtual' });
  closers.push(() => emulator.close());
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  return { emulator, env: { ...env, RUNBASE_CLOCK: 'virtual' } };
}

describe('hostile targets: npm test ends with the right exit and no secret in any output', () => {
  for (const c of hostileCases) {
    it(`${c.name}: ${c.what} → exit ${c.exits.join(' or ')}`, async () => {
      const target: HostileTarget = await c.start();
      closers.push(() => target.close());
      // The default timeout (10 s) is what `npm run bench:hostile` measures; here a short one keeps the test quick.
      const outputs = await run({ ...target.env, ...(c.neverFaithful ? { RUNBASE_TIMEOUT_MS: '2000' } : {}) });
      expect(outputs.run.code, outputs.run.output).not.toBeNull();
      expect(c.exits, outputs.run.output).toContain(outputs.run.code);
      expect(outputs.run.output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
      if (outputs.run.code === 2) {
        // A target error says why in one line, and no rule is listed as failed because of it.
        expect(outputs.run.stderr + outputs.run.stdout).toMatch(c.name.startsWith('broker-') ? /Pact Broker: could not verify or publish: the Pact Broker refused the credentials \(401\)/ : /(target|configuration) error/);
        if (outputs.report) expect(outputs.report.rules.filter((r) => r.verdict === 'failed').map((r) => r.id)).toEqual([]);
      }
      // Dies or hangs part-way: the verdicts reached before stay; the rest are skipped with the reason.
      if (/-after-\d+$/.test(c.name)) {
        expect(outputs.report?.rules.some((r) => r.verdict === 'passed')).toBe(true);
        expect(outputs.report?.rules.filter((r) => r.verdict === 'skipped' && r.skipReason?.startsWith('target unusable')).length).toBeGreaterThan(10);
      }
      if (c.name === 'throttles-after-250') expect(outputs.run.output).toMatch(/the target throttles (key#\d|fixture:\w+|anonymous|generated-key) for 3600 s \(Retry-After\), longer than RUNBASE_MAX_RETRY_AFTER_S=60/);
      if (c.name === 'throttles-keys') expect(outputs.run.output).toMatch(/target error: .* answered 429 to RUNBASE_API_KEY \(key 1 of 2\): the target throttles this key for 3600 s \(Retry-After\)/);
      // No answer to a probe is that rule's failure, and the run goes on to its end.
      if (c.name === 'resets-odd-ids') expect(outputs.report?.rules.filter((r) => r.verdict === 'failed').map((r) => r.id)).toEqual(['SRV-NO-5XX']);
      if (c.name === 'echoes-keys') {
        expect(outputs.report?.rules.find((r) => r.id === 'SEC-NO-SECRET-ECHO')?.verdict).toBe('failed');
      }
      expectNoPlantedSecret(outputs, plantedSecrets(target.env));
    }, RUN_BOUND_MS + 30_000);
  }
});

describe('bad settings: exit 2 before any request, one line naming the setting, never its value', () => {
  const KEY = 'sk-plantedsettingkey00000001';
  const envFile = (text: string) => { const f = join(mkdtempSync(join(tmpdir(), 'runbase-envfile-')), 'settings.env'); writeFileSync(f, text); return f; };
  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['RUNBASE_URL set but empty, a key set (a missing CI secret)', () => ({ RUNBASE_URL: '', RUNBASE_API_KEY: KEY }), /RUNBASE_URL is set but empty/],
    ['RUNBASE_URL holding a pasted key', () => ({ RUNBASE_URL: KEY, RUNBASE_API_KEY: KEY }), /RUNBASE_URL holds what looks like an API key \(value not shown\)/],
    ['RUNBASE_URL holding a pasted key as its host', () => ({ RUNBASE_URL: `https://${KEY.replace('1', '9')}`, RUNBASE_API_KEY: KEY }), /RUNBASE_URL holds what looks like an API key/],
    ['RUNBASE_URL of whitespace only', () => ({ RUNBASE_URL: ' \t ', RUNBASE_API_KEY: KEY }), /RUNBASE_URL is set but empty/],
    ['RUNBASE_URL with a scheme that is not http(s)', () => ({ RUNBASE_URL: 'ftp://staging.example', RUNBASE_API_KEY: KEY }), /RUNBASE_URL must be an http\(s\) URL/],
    ['RUNBASE_URL set but empty in the settings file', () => ({ RUNBASE_ENV_FILE: envFile(`RUNBASE_URL=\nRUNBASE_API_KEY=${KEY}\n`) }), /RUNBASE_URL is set but empty/],
    ['RUNBASE_ENV_FILE naming a directory', () => ({ RUNBASE_ENV_FILE: tmpdir() }), /RUNBASE_ENV_FILE cannot be read \(EISDIR\)/],
    ['an env-file line without = after CRLF lines', () => ({ RUNBASE_ENV_FILE: envFile(`export RUNBASE_SEED=1\r\nRUNBASE_URL https://staging.example\r\n`) }), /RUNBASE_ENV_FILE: line 2 is not NAME=value/],
    ['an env-file line without = after a bare CR', () => ({ RUNBASE_ENV_FILE: envFile(`RUNBASE_SEED=1\rRUNBASE_URL https://staging.example\n`) }), /RUNBASE_ENV_FILE: line 2 is not NAME=value/],
    ['keys in the settings file without a target', () => ({ RUNBASE_ENV_FILE: envFile(`export RUNBASE_API_KEY="${KEY}"\n`) }), /RUNBASE_API_KEY set but RUNBASE_URL is not/],
    ['a misspelt key variable without a target', () => ({ RUNBASE_API_KEYS: KEY }), /RUNBASE_API_KEYS set but RUNBASE_URL is not/],
    ['the admin URL alone without a target', () => ({ RUNBASE_ADMIN_URL: 'http://127.0.0.1:9' }), /RUNBASE_ADMIN_URL set but RUNBASE_URL is not/],
    ['RUNBASE_ENV_FILE that does not exist', () => ({ RUNBASE_ENV_FILE: '/nonexistent/runbase.env' }), /RUNBASE_ENV_FILE names a file that does not exist/],
    ['an env-file line without =', () => ({ RUNBASE_ENV_FILE: envFile(`RUNBASE_SEED=1\nRUNBASE_URL https://staging.example\nRUNBASE_API_KEY=${KEY}\n`) }), /RUNBASE_ENV_FILE: line 2 is not NAME=value/],
    ['keys without a target', () => ({ RUNBASE_API_KEY: KEY, RUNBASE_DISABLED_KEY: KEY.replace('1', '2') }), /RUNBASE_API_KEY, RUNBASE_DISABLED_KEY set but RUNBASE_URL is not/],
    ['the admin API without a target', () => ({ RUNBASE_ADMIN_TOKEN: 'adm_plantedadmintoken0001' }), /RUNBASE_ADMIN_TOKEN set but RUNBASE_URL is not/],
    ['a report directory under /proc', () => ({ RUNBASE_REPORT_DIR: '/proc/x/reports' }), /RUNBASE_REPORT_DIR: the report directory cannot be created and written/],
    ['a report directory under /sys', () => ({ RUNBASE_REPORT_DIR: '/sys/x' }), /RUNBASE_REPORT_DIR: the report directory cannot be created and written/],
    ['a report directory under a file', () => ({ RUNBASE_REPORT_DIR: '/dev/null/x' }), /RUNBASE_REPORT_DIR: the report directory cannot be created and written/],
    ['a report directory set but empty', () => ({ RUNBASE_REPORT_DIR: ' ' }), /RUNBASE_REPORT_DIR is set but empty/],
    ['RUNBASE_EMBEDDED with a target (it would allow paid runs there)', () => ({ RUNBASE_URL: 'https://staging.example', RUNBASE_API_KEY: KEY, RUNBASE_EMBEDDED: '1' }), /RUNBASE_EMBEDDED is not a setting/],
  ];
  for (const [what, envOf, line] of cases) {
    it(what, async () => {
      const env = envOf();
      const outputs = await run(env);
      expect(outputs.run.code, outputs.run.output).toBe(2);
      expect(outputs.run.stderr).toMatch(line);
      expect(outputs.run.stderr.trim().split('\n')).toHaveLength(1);
      expect(outputs.run.stdout).not.toMatch(/passed|conforms/);
      expectNoPlantedSecret(outputs, [KEY, ...plantedSecrets(env)]);
    }, 60_000);
  }
});

describe('key check at start: a key the target rejects is exit 2 naming its variable', () => {
  it('unknown pool keys against a faithful emulator', async () => {
    const { env } = await faithful();
    const bogus = { ...env, RUNBASE_API_KEY: `${env.RUNBASE_API_KEY!.split(',')[0]},sk-bogusplantedkey0000002` };
    const outputs = await run(bogus);
    expect(outputs.run.code, outputs.run.output).toBe(2);
    expect(outputs.run.stderr).toMatch(/configuration error: the target rejects RUNBASE_API_KEY \(key 2 of 2\) \(401 invalid_api_key/);
    expect(outputs.run.stdout).toBe('');
    expectNoPlantedSecret(outputs, plantedSecrets(bogus));
  }, 60_000);

  it('an other-account key the target does not know', async () => {
    const { env } = await faithful();
    const bogus = { ...env, RUNBASE_OTHER_ACCOUNT_KEY: 'sk-bogusplantedother00001' };
    const outputs = await run(bogus);
    expect(outputs.run.code, outputs.run.output).toBe(2);
    expect(outputs.run.stderr).toMatch(/the target rejects RUNBASE_OTHER_ACCOUNT_KEY/);
    expectNoPlantedSecret(outputs, plantedSecrets(bogus));
  }, 60_000);
});
