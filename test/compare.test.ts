// `npm run compare`: an emulator compared with itself scores 100 %; compared with variants of itself
// (another fault precedence, another unknown-route answer, a missing header) it finds each difference
// in the right family, with a failing exit code and a report.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, faithfulSteps, type RunningEmulator } from '../src/emulator/index.ts';
import { deviationByName } from '../src/selftest/deviations.ts';
import { contract } from '../src/contract/index.ts';
import { cleanEnv, repoRoot } from './helpers.ts';

const running: RunningEmulator[] = [];
afterAll(async () => { for (const e of running) await e.close(); });

async function envFile(opts: Parameters<typeof startEmulator>[0], name = '.env', adjust?: (e: RunningEmulator, env: Record<string, string>) => void): Promise<string> {
  const emulator = await startEmulator({ clock: 'virtual', ...opts });
  running.push(emulator);
  const env = { ...provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken }), RUNBASE_CLOCK: 'virtual' };
  adjust?.(emulator, env);
  const file = join(mkdtempSync(join(tmpdir(), 'runbase-compare-')), name);
  writeFileSync(file, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  return file;
}

interface CompareRun {
  code: number | null; output: string; md: string;
  report: { fidelity: number; baseName: string; candidateName: string; byFamily: Record<string, { fidelity: number }>; differences: { id: string; family: string; request: string; faults?: string[]; curl: string; differences: { aspect: string }[]; base: { response: { status: number } } }[]; fingerprint: { request: string }[] } | undefined;
}

function compare(base: string, candidate: string, extra: string[] = []): Promise<CompareRun> {
  const dir = mkdtempSync(join(tmpdir(), 'runbase-compare-report-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/compare.ts', '--base-env', base, '--candidate-env', candidate, '--report-dir', dir, ...extra], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => {
      let report;
      try { report = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')); } catch { report = undefined; }
      for (const f of ['compare.md', 'compare.html']) if (report) expect(readFileSync(join(dir, f), 'utf8').length).toBeGreaterThan(100);
      resolve({ code, output, report, md: report ? readFileSync(join(dir, 'compare.md'), 'utf8') : '' });
    });
  });
}

const families = (run: CompareRun) => [...new Set(run.report!.differences.map((d) => d.family))].sort();
const BODY_FIRST = ['route', 'method', 'body', 'contentType', 'model', 'input', 'modelKnown', 'schema', 'authFormat', 'keyKnown', 'keyActive', 'ipWhitelist', 'usageQuota', 'rateLimit', 'spendLimit', 'balance', 'create', 'lookupRun'];

describe('npm run compare', () => {
  it('scores the emulator against itself at 100 % with no differences', async () => {
    const run = await compare(await envFile({}), await envFile({}));
    expect(run.code, run.output).toBe(0);
    expect(run.report!.fidelity).toBe(1);
    expect(run.report!.differences).toEqual([]);
  });

  it('finds another fault precedence in the precedence family only, naming the targets, the paths and the combined faults; each printed curl gets the base\'s answer in sh', async () => {
    let base: RunningEmulator | undefined;
    const run = await compare(await envFile({}, '.env.production', (e) => { base = e; }), await envFile({ precedence: BODY_FIRST }, '.env.emulator'));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['precedence']);
    expect(run.report!.byFamily.malformed!.fidelity).toBe(1);
    // Named after the settings files, not "Emulator vs production" whatever the targets.
    expect(run.report).toMatchObject({ baseName: 'production', candidateName: 'emulator' });
    expect(run.md).toMatch(/^# production vs emulator/);
    for (const d of run.report!.differences) {
      expect(d.faults!.length, d.id).toBeGreaterThanOrEqual(2);
      expect(d.request).toContain(`POST /runs (faults: ${d.faults!.join(' + ')})`);
      expect(run.output).toContain(`≠ ${d.request}`);
      expect(d.curl).toMatch(/'http:\/\/127\.0\.0\.1:\d+\/api\/v1\/runs'/);
    }
    expect(run.md).toContain('## Fingerprint');
    expect(run.report!.fingerprint.length).toBeGreaterThan(20);
    // The printed step, then each printed curl, in POSIX sh from the directory compare ran in.
    const step = /load its settings into the shell first, `([^`]+)`/.exec(run.md)?.[1];
    expect(step, run.md.slice(0, 2000)).toBeDefined();
    const env = cleanEnv();
    for (const k of Object.keys(env)) if (k.startsWith('RUNBASE_')) delete env[k];
    for (const d of run.report!.differences) {
      expect(run.md).toContain(d.curl);
      base!.state.clock.advance(contract.limits.rateLimit.windowSeconds * 1000); // a fresh rate-limit window on the base
      const { stdout } = await promisify(execFile)('sh', ['-c', `set -eu; ${step}\n${d.curl}`], { cwd: repoRoot, env, encoding: 'latin1', timeout: 30_000 });
      const statuses = [...stdout.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
      expect({ id: d.id, status: statuses.at(-1) }, stdout.slice(0, 600)).toEqual({ id: d.id, status: d.base.response.status });
    }
  });

  it('sends each side forwarding headers with its own RUNBASE_IP_RESTRICTED_ALLOWED_IP', async () => {
    // The candidate trusts X-Forwarded-For, and its IP-restricted key allows another address than the
    // base's: only headers naming the candidate's own address get through it.
    const ownIp = (e: RunningEmulator, env: Record<string, string>) => {
      const account = e.state.createAccount({ balanceMicroUsd: 1_000_000 });
      env.RUNBASE_IP_RESTRICTED_KEY = e.state.createKey(account.id, { ipWhitelist: ['198.51.100.9'] }).key;
      env.RUNBASE_IP_RESTRICTED_ALLOWED_IP = '198.51.100.9';
    };
    const run = await compare(await envFile({}), await envFile({ steps: deviationByName('forwarded-for-honoured').steps() }, '.env', ownIp));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toContain('money-access');
  });

  it('finds another unknown-route answer in the routes family only', async () => {
    const run = await compare(await envFile({}), await envFile({ unknownRouteStatus: 400 }));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['routes']);
  });

  it('finds a missing header (Allow on 405) as a header difference in the methods family', async () => {
    const noAllow = faithfulSteps.map((s) => (s.name === 'method' ? { ...s, run: (ctx: Parameters<typeof s.run>[0]) => { const a = s.run(ctx); return a && { ...a, headers: { 'content-type': 'application/json; charset=utf-8' } }; } } : s));
    const run = await compare(await envFile({}), await envFile({ steps: noAllow }));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['methods']);
    expect(run.report!.differences.flatMap((d) => d.differences.map((x) => x.aspect))).toEqual(['headers', 'headers', 'headers']);
  });

  it('finds a Retry-After on 429 that the base does not send, in the limits family', async () => {
    const retryAfter = faithfulSteps.map((s) => (s.name === 'rateLimit' ? { ...s, run: (ctx: Parameters<typeof s.run>[0]) => { const a = s.run(ctx); return a && { ...a, headers: { ...a.headers, 'retry-after': '10' } }; } } : s));
    const run = await compare(await envFile({}), await envFile({ steps: retryAfter }));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['limits']);
  });

  it('passes a lower threshold, and exits 2 on a bad setting', async () => {
    const base = await envFile({});
    const lower = await compare(base, await envFile({ unknownRouteStatus: 400 }), ['--threshold', '90']);
    expect(lower.code, lower.output).toBe(0);
    const missing = await compare(base, '/nonexistent/.env');
    expect(missing.code).toBe(2);
    expect(missing.output.trim()).toBe('configuration error: --candidate-env names a file that does not exist');
    const empty = join(mkdtempSync(join(tmpdir(), 'runbase-compare-')), '.env.empty');
    writeFileSync(empty, '# no target\n');
    const bad = await compare(base, empty);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('RUNBASE_URL');
  });
});
