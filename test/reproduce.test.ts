// Every printed reproduction reproduces: for each failure of a run against a deviant emulator, the
// `curl` in the report, run by a real shell and the real curl binary after the one documented step
// (`set -a; . ./.env; set +a`), gets the recorded status and error code from that same emulator.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';
import { deviationByName } from '../src/selftest/deviations.ts';
import { curlCommand } from '../src/report/curl.ts';
import type { ConformanceReport } from '../src/report/model.ts';
import type { Failure } from '../src/conformance/result.ts';
import { cleanEnv, runConformance } from './helpers.ts';

const HAS_CURL = spawnSync('curl', ['--version']).status === 0;
// A developer without curl skips (with this reason); CI must have it.
const runIt = it.skipIf(!HAS_CURL && process.env.CI !== 'true');
if (!HAS_CURL) console.warn('reproduce test: no curl binary on PATH: the printed reproductions are not run');

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

const codeOf = (body: string): string | undefined => {
  try { return (JSON.parse(body) as { error?: { code?: string } }).error?.code; } catch { return undefined; }
};

/** Run one printed command as a user would: settings loaded from .env into the shell, then the curl. */
async function runPrinted(dir: string, command: string): Promise<{ status: number; code: string | undefined; raw: string }> {
  const env = cleanEnv();
  for (const k of Object.keys(env)) if (k.startsWith('RUNBASE_')) delete env[k];
  // Asynchronous: the emulator answering the curl runs in this process.
  const { stdout: raw } = await promisify(execFile)('bash', ['-c', `set -euo pipefail; set -a; . ./.env; set +a\n${command}`], { cwd: dir, env, encoding: 'latin1', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
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
  const dir = mkdtempSync(join(tmpdir(), 'runbase-reproduce-'));
  writeFileSync(join(dir, '.env'), `${Object.entries({ ...env, RUNBASE_CLOCK: 'virtual' }).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
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
      const windowMs = contract.limits.rateLimit.windowSeconds * 1000;
      for (const f of failures) {
        const command = curlCommand(f.exchange!);
        expect(md, 'the report prints this command').toContain(command.split('\n').at(-1)!.slice(0, 200));
        emulator.state.clock.advance(windowMs); // a fresh rate-limit window: the replay is not a 429 of the run's traffic
        const got = await runPrinted(dir, command);
        expect({ rule: f.ruleId, status: got.status, code: got.code }, `${command}\n${got.raw.slice(0, 600)}`).toEqual({ rule: f.ruleId, status: f.exchange!.response.status, code: codeOf(f.exchange!.response.body) });
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

});
