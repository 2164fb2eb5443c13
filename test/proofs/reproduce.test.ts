// Every printed reproduction reproduces: for each failure of a run against a deviant emulator, the
// `curl` in the report, run by a real shell (bash, and POSIX sh: dash on Debian) and the real curl
// binary after the one step the report prints before it (`set -a; . './.env'; set +a`), gets the
// recorded status and error code from that same emulator. The run's directory has a space in its name.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { curlCommand, reproductionNote } from '../../src/report/curl.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import type { Failure } from '../../src/verdicts/result.ts';
import { cleanEnv, runConformance } from '../helpers.ts';

const HAS_CURL = spawnSync('curl', ['--version']).status === 0;
// A developer without curl skips (with this reason); CI must have it.
const runIt = it.skipIf(!HAS_CURL && process.env.CI !== 'true');
if (!HAS_CURL) console.warn('reproduce test: no curl binary on PATH: the printed reproductions are not run');

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

const codeOf = (body: string): string | undefined => {
  try { return (JSON.parse(body) as { error?: { code?: string } }).error?.code; } catch { return undefined; }
};

const SHELLS = ['bash', 'sh'] as const;

/** The step the report prints before its curl lines (the settings loaded into the shell). */
function printedStep(md: string): string {
  const step = /load the run's settings into the shell, `([^`]+)`/.exec(md)?.[1];
  expect(step, 'the report says how to load the settings first').toBeDefined();
  return step!;
}

/** Run one printed command as a user would, in `shell`: the printed step first, then the curl. */
async function runPrinted(dir: string, shell: (typeof SHELLS)[number], step: string, command: string): Promise<{ status: number; code: string | undefined; raw: string }> {
  const env = cleanEnv();
  for (const k of Object.keys(env)) if (k.startsWith('RUNBASE_')) delete env[k];
  // Asynchronous: the emulator answering the curl runs in this process. POSIX sh has no pipefail.
  const strict = shell === 'bash' ? 'set -euo pipefail' : 'set -eu';
  const { stdout: raw } = await promisify(execFile)(shell, ['-c', `${strict}; ${step}\n${command}`], { cwd: dir, env, encoding: 'latin1', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  // The last response in the output (curl -i prints a 100 Continue first for large bodies).
  const responses = raw.split(/\r?\n(?=HTTP\/[\d.]+ \d{3})/);
  const last = responses[responses.length - 1]!;
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(last)?.[1]);
  const body = last.slice(last.search(/\r?\n\r?\n/)).trim();
  return { status, code: codeOf(body), raw };
}

/** A deviant emulator, a suite run against it, and every failure with the exchange that shows it. */
async function failuresOf(deviation: string): Promise<{ emulator: RunningEmulator; dir: string; report: ConformanceReport; failures: Failure[] }> {
  const emulator = await startEmulator({ clock: 'virtual', steps: deviationByName(deviation).steps() });
  emulators.push(emulator);
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'runbase reproduce-'));
  // Every form of line the suite accepts, so the printed step is shown to read each one as the suite does.
  const FORMS = [(k: string, v: string) => `  ${k}=${v}`, (k: string, v: string) => `export ${k}="${v}"`, (k: string, v: string) => `${k}='${v}' # a comment`, (k: string, v: string) => `${k}=${v}`];
  const lines = Object.entries({ ...env, RUNBASE_CLOCK: 'virtual' }).map(([k, v], i) => FORMS[i % FORMS.length]!(k, v));
  writeFileSync(join(dir, '.env'), `# settings for the run\n\n${lines.join('\n')}\n`);
  const run = await runConformance({ RUNBASE_ENV_FILE: join(dir, '.env'), RUNBASE_REPORT_DIR: join(dir, 'reports'), RUNBASE_RUNS: '10' });
  expect(run.code, run.output).toBe(1);
  const report = JSON.parse(readFileSync(join(dir, 'reports', 'conformance.json'), 'utf8')) as ConformanceReport;
  const failures = report.rules.flatMap((r) => r.failures).filter((f) => f.exchange);
  return { emulator, dir, report, failures };
}

describe('printed reproductions', () => {
  // Deviations whose failures carry each kind of reproduction: a pool key of a multi-key list, a
  // generated X-Forwarded-For header, no Authorization at all, a body over the report's cut.
  const cases = [
    { deviation: 'forwarded-for-honoured', shows: 'X-Forwarded-For' },
    { deviation: 'missing-model-as-not-found', shows: 'a pool key' },
    { deviation: 'code-wrong-case', shows: 'no Authorization' },
    { deviation: 'deep-nesting-500', shows: 'a cut body' },
  ];
  for (const { deviation, shows } of cases) {
    runIt(`${deviation} (${shows}): every failure's curl gets the recorded status and code`, async () => {
      expect(HAS_CURL, 'CI=true: the curl binary is required').toBe(true);
      const { emulator, dir, failures } = await failuresOf(deviation);
      expect(failures.length).toBeGreaterThan(0);
      const md = readFileSync(join(dir, 'reports', 'conformance.md'), 'utf8');
      const step = printedStep(md);
      const windowMs = contract.limits.rateLimit.windowSeconds * 1000;
      for (const f of failures) {
        const command = curlCommand(f.exchange!);
        expect(md, 'the report prints this command, whole').toContain(command.split('\n').map((l) => `  ${l}`).join('\n'));
        for (const shell of SHELLS) {
          emulator.state.clock.advance(windowMs); // a fresh rate-limit window: the replay is not a 429 of the run's traffic
          const got = await runPrinted(dir, shell, step, command);
          expect({ rule: f.ruleId, shell, status: got.status, code: got.code }, `${command}\n${got.raw.slice(0, 600)}`).toEqual({ rule: f.ruleId, shell, status: f.exchange!.response.status, code: codeOf(f.exchange!.response.body) });
        }
      }
      const requests = failures.map((f) => f.exchange!.request);
      if (shows === 'X-Forwarded-For') expect(requests.some((q) => Object.keys(q.headers).some((h) => h.toLowerCase() === 'x-forwarded-for'))).toBe(true);
      if (shows === 'a pool key') expect(requests.some((q) => /\$RUNBASE_API_KEY\[\d+\]/.test(q.headers.authorization ?? ''))).toBe(true);
      if (shows === 'no Authorization') expect(requests.some((q) => q.headers.authorization === undefined)).toBe(true);
      if (shows === 'a cut body') {
        const cut = requests.filter((q) => q.bodyFile);
        expect(cut.length).toBeGreaterThan(0);
        for (const q of cut) {
          expect(q.fullBody).toBeUndefined();
          expect(readFileSync(resolve(dir, q.bodyFile!)).length).toBe(q.bodyBytes);
        }
      }
    });
  }

  // The settings file as users name it: a bare name in the current directory. POSIX `.` looks a bare
  // name up on PATH (dash: ". .env: not found"), so the printed step must hold a slash.
  for (const shell of SHELLS) {
    it(`the printed step loads a settings file named bare (.env, .env.deviant) in ${shell}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'runbase step-'));
      for (const file of ['.env', '.env.deviant']) {
        writeFileSync(join(dir, file), `RUNBASE_URL=http://127.0.0.1:9\nRUNBASE_API_KEY=sk-one,sk-two\n`);
        const step = printedStep(reproductionNote(file));
        const env = cleanEnv();
        for (const k of Object.keys(env)) if (k.startsWith('RUNBASE_')) delete env[k];
        const { stdout } = await promisify(execFile)(shell, ['-c', `set -eu; ${step}; sh -c 'printf %s "$RUNBASE_API_KEY"'`], { cwd: dir, env });
        expect({ file, stdout }).toEqual({ file, stdout: 'sk-one,sk-two' });
      }
    });
  }
});
