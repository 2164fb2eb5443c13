// `npm run compare`: an emulator compared with itself scores 100 %; compared with variants of itself
// (another fault precedence, another unknown-route answer, a missing header, other emulator choices)
// it finds each difference once, as a distinct finding, in the right family, with a failing exit code
// and a report; --suggest names the emulator settings that remove them, and the emulator started with
// those settings (npm run emulator -- --choices FILE) scores 100 %.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, faithfulSteps, type RunningEmulator } from '../../src/emulator/index.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { contract } from '../../src/contract/index.ts';
import { cleanEnv, repoRoot } from '../helpers.ts';

const running: RunningEmulator[] = [];
const stopAfterwards: (() => Promise<void>)[] = [];
afterAll(async () => { for (const e of running) await e.close(); for (const stop of stopAfterwards) await stop(); });

async function envFile(opts: Parameters<typeof startEmulator>[0], name = '.env', adjust?: (e: RunningEmulator, env: Record<string, string>) => void): Promise<string> {
  const emulator = await startEmulator({ clock: 'virtual', ...opts });
  running.push(emulator);
  const env = { ...provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken }), RUNBASE_CLOCK: 'virtual' };
  adjust?.(emulator, env);
  const file = join(mkdtempSync(join(tmpdir(), 'runbase-compare-')), name);
  writeFileSync(file, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  return file;
}

/** `npm run emulator -- --port 0 --clock virtual …` as a child (stopped after the tests): its printed settings as a file. */
async function emulatorCli(args: string[], extra: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/emulator.ts', '--port', '0', '--clock', 'virtual', ...args], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  stopAfterwards.push(async () => { child.kill('SIGINT'); await exited; });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  // The announcement on stderr follows the settings on stdout (bounded by the test timeout).
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('serving')) resolve(); });
    child.on('close', () => reject(new Error(`the emulator exited: ${stderr}`)));
  });
  const env = Object.fromEntries(stdout.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  Object.assign(env, extra);
  const file = join(mkdtempSync(join(tmpdir(), 'runbase-compare-')), '.env.emulator');
  writeFileSync(file, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  return file;
}

interface Finding { id: string; summary: string; aspects: string[]; informational: boolean; requests: number; families: string[]; items: string[]; example: { id: string; request: string; curl: string; base: { response: { status: number } } } }
interface CompareRun {
  code: number | null; output: string; md: string; dir: string;
  report: {
    fidelity: number; baseName: string; candidateName: string; byFamily: Record<string, { fidelity: number; items: number }>; byAspect: Record<string, { fidelity: number; informational: boolean }>;
    findings: Finding[]; differences: { id: string; family: string; request: string; faults?: string[]; differences: { aspect: string }[]; findings: string[] }[]; fingerprint: { request: string }[];
    suggestion?: { settings: Record<string, unknown>; flags: string[]; explained: { finding: string; by: string[] }[]; unexplained: string[] };
  } | undefined;
}

/** `npm run compare` as a child; reports in a fresh directory given by --report-dir, or by `env` when `dir` is false. */
function compare(base: string, candidate: string, extra: string[] = [], opts: { env?: Record<string, string>; reportDirFlag?: boolean } = {}): Promise<CompareRun> {
  const dir = mkdtempSync(join(tmpdir(), 'runbase-compare-report-'));
  const where = opts.reportDirFlag === false ? [] : ['--report-dir', dir];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/compare.ts', '--base-env', base, '--candidate-env', candidate, ...where, ...extra], { cwd: repoRoot, env: cleanEnv({ RUNBASE_REPORT_DIR: dir, ...opts.env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => {
      let report;
      try { report = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')); } catch { report = undefined; }
      for (const f of ['compare.md', 'compare.html']) if (report) expect(readFileSync(join(dir, f), 'utf8').length).toBeGreaterThan(100);
      resolve({ code, output, report, dir, md: report ? readFileSync(join(dir, 'compare.md'), 'utf8') : '' });
    });
  });
}

const families = (run: CompareRun) => [...new Set(run.report!.differences.map((d) => d.family))].sort();
const BODY_FIRST = ['route', 'method', 'body', 'contentType', 'model', 'input', 'modelKnown', 'schema', 'authFormat', 'keyKnown', 'keyActive', 'ipWhitelist', 'usageQuota', 'rateLimit', 'spendLimit', 'balance', 'create', 'lookupRun'];

describe('npm run compare', () => {
  it('scores the emulator against itself at 100 % with no differences, reports in RUNBASE_REPORT_DIR when no --report-dir is given', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'runbase-compare-env-')), 'nested reports');
    const run = await compare(await envFile({}), await envFile({}), [], { env: { RUNBASE_REPORT_DIR: dir }, reportDirFlag: false });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(join(dir, 'compare.json'));
    for (const f of ['compare.json', 'compare.md', 'compare.html']) expect(existsSync(join(dir, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as NonNullable<CompareRun['report']>;
    expect(report.fidelity).toBe(1);
    expect(report.differences).toEqual([]);
    expect(report.findings).toEqual([]);
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
      expect(d.findings.length, d.id).toBeGreaterThan(0);
    }
    // Each distinct finding once, on the console and first in compare.md, with its example.
    const findings = run.report!.findings;
    expect(new Set(findings.map((f) => f.summary)).size).toBe(findings.length);
    expect(findings.reduce((n, f) => n + f.requests, 0)).toBeGreaterThanOrEqual(run.report!.differences.length);
    for (const f of findings) {
      expect(run.output).toContain(`${f.id.padEnd(4)}${f.summary}`);
      expect(f.example.curl).toMatch(/'http:\/\/127\.0\.0\.1:\d+\/api\/v1\/runs'/);
      expect(f.example.request).toContain('(faults: ');
    }
    expect(run.md.indexOf('## Findings: ')).toBeLessThan(run.md.indexOf('## Fidelity per aspect'));
    expect(run.md).toContain('## Fingerprint');
    expect(run.report!.fingerprint.length).toBeGreaterThan(20);
    // The printed step, then each printed curl, in POSIX sh from the directory compare ran in.
    const step = /load its settings into the shell first, `([^`]+)`/.exec(run.md)?.[1];
    expect(step, run.md.slice(0, 2000)).toBeDefined();
    const env = cleanEnv();
    for (const k of Object.keys(env)) if (k.startsWith('RUNBASE_')) delete env[k];
    for (const { example: d } of findings) {
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

  it('finds another unknown-route answer in the routes family only, and --suggest says no setting explains it', async () => {
    // The base answers unknown routes 418, which no emulator choice models.
    const teapot = faithfulSteps.map((s) => (s.name === 'route' ? { ...s, run: (ctx: Parameters<typeof s.run>[0]) => { const a = s.run(ctx); return a && { ...a, status: 418 }; } } : s));
    const run = await compare(await envFile({ steps: teapot }, '.env.production'), await envFile({ unknownRouteStatus: 400 }, '.env.emulator'), ['--suggest']);
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['routes']);
    // Every unknown route of the corpus shows it: one finding, all the family's requests.
    expect(run.report!.findings.map((f) => [f.summary, f.requests])).toEqual([['status: 418 in production, 400 in emulator', run.report!.byFamily.routes!.items]]);
    expect(run.report!.suggestion).toMatchObject({ settings: {}, unexplained: ['F1'] });
    expect(run.output).toMatch(/No setting explains:\n {2}F1 status: 418 in production, 400 in emulator/);
  });

  it('finds a missing header (Allow on 405) as a header difference in the methods family', async () => {
    const noAllow = faithfulSteps.map((s) => (s.name === 'method' ? { ...s, run: (ctx: Parameters<typeof s.run>[0]) => { const a = s.run(ctx); return a && { ...a, headers: { 'content-type': 'application/json; charset=utf-8' } }; } } : s));
    const run = await compare(await envFile({}), await envFile({ steps: noAllow }));
    expect(run.code, run.output).toBe(1);
    expect(families(run)).toEqual(['methods']);
    expect(run.report!.differences.flatMap((d) => d.differences.map((x) => x.aspect))).toEqual(['headers', 'headers', 'headers']);
    expect(run.report!.findings.map((f) => [f.summary, f.requests])).toEqual([['headers: allow in .env only', 3]]);
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
  it('lists each emulator choice that differs as one finding, --suggest names exactly those settings, and the emulator started with its file scores 100 %', async () => {
    // Open choices of the docs (content type, sk-less Bearer, unknown routes) and response extras.
    const chosen = { contentType: 415, noSkPrefix: 'invalid_api_key', unknownRouteStatus: 400, errorStatusField: true, runObjectField: true, retryAfterOn429: true } as const;
    const billable = (_: RunningEmulator, env: Record<string, string>) => { env.RUNBASE_ALLOW_BILLABLE = '1'; };
    const base = await envFile({ choices: chosen }, '.env.production', billable);
    const run = await compare(base, await envFile({}, '.env.emulator', billable), ['--suggest']);
    expect(run.code, run.output).toBe(1);
    const findings = run.report!.findings;
    // One finding per choice, each once, whatever the number of requests that show it.
    expect(findings).toHaveLength(Object.keys(chosen).length);
    expect(new Set(findings.map((f) => f.summary)).size).toBe(findings.length);
    expect(findings.map((f) => [f.summary, f.families.join(',')])).toEqual(expect.arrayContaining([
      ['status: 415 in production, 400 in emulator; code: unsupported_media_type in production, invalid_json in emulator', 'content-types'],
      ['status: 400 in production, 404 in emulator', 'routes'],
      ['body: object (string) in production only', 'success'],
      ['envelopeExtras: error.status (number) in production only', expect.stringContaining('malformed')],
      ['headers: retry-after in production only', 'limits'],
    ]));
    const extras = findings.find((f) => f.aspects[0] === 'envelopeExtras')!;
    expect(extras.requests).toBeGreaterThan(50);
    expect(extras.informational).toBe(true);
    // The console leads with the findings; compare.md too.
    const lines = run.output.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^production vs emulator: fidelity [\\d.]+% .* ${findings.length} distinct finding\\(s\\)`));
    for (const [i, f] of findings.entries()) expect(lines[i + 1]).toContain(`${f.id.padEnd(4)}${f.summary}`);
    expect(run.md.split('\n').findIndex((l) => l.startsWith(`## Findings: ${findings.length} distinct`))).toBeLessThan(5);
    // --suggest: exactly the base's settings, each explaining one finding of its own; nothing unexplained.
    const suggestion = run.report!.suggestion!;
    expect(suggestion.settings).toEqual(chosen);
    expect(suggestion.unexplained).toEqual([]);
    expect(suggestion.explained.map((e) => e.by)).toEqual(findings.map(() => [expect.any(String)]));
    expect(suggestion.explained.map((e) => e.by[0]).sort()).toEqual(Object.keys(chosen).sort());
    expect(suggestion.explained.find((e) => e.finding === extras.id)!.by).toEqual(['errorStatusField']);
    for (const flag of suggestion.flags) expect(run.output).toContain(flag);
    const file = join(run.dir, 'emulator-choices.json');
    expect(run.output).toContain(`npm run emulator -- --choices '${file}'`);
    // The loop closed: the emulator CLI started with the suggested file, compared again.
    const restarted = await emulatorCli(['--choices', file], { RUNBASE_ALLOW_BILLABLE: '1' });
    const again = await compare(base, restarted, ['--candidate-name', 'emulator']);
    expect(again.code, again.output).toBe(0);
    expect(again.report!.fidelity).toBe(1);
    expect(again.report!.findings).toEqual([]);
    for (const [aspect, score] of Object.entries(again.report!.byAspect)) expect(score.fidelity, aspect).toBe(1);
  });

  it('a base that differs only in extra envelope fields: one informational finding, every other aspect at 100 %, exit 0', async () => {
    const run = await compare(await envFile({ choices: { errorStatusField: true, envelopeExtras: 'top-level' } }, '.env.production'), await envFile({}, '.env.emulator'));
    expect(run.code, run.output).toBe(0);
    expect(run.report!.findings.map((f) => [f.summary, f.informational])).toEqual([['envelopeExtras: error.status (number), requestId (string) in production only', true]]);
    expect(run.report!.fidelity).toBe(1);
    for (const [aspect, score] of Object.entries(run.report!.byAspect)) {
      if (aspect === 'envelopeExtras') expect(score).toMatchObject({ informational: true, fidelity: expect.any(Number) });
      else expect(score.fidelity, aspect).toBe(1);
    }
    expect(run.report!.byAspect.envelopeExtras!.fidelity).toBeLessThan(0.1);
    expect(run.output).toContain('(informational)');
  });


});
