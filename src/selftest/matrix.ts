// The mutation matrix: the suite against every deviant emulator (and the faithful one on many seeds),
// each over a real loopback port with `npm test` as a child process, judged from its conformance.json.
// A gate deviation is killed when every rule it names fails and no unrelated gate rule does.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import type { ConformanceReport } from '../report/model.ts';
import type { RuleResult } from '../conformance/result.ts';
import type { Deviation } from './deviations.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TargetRun { exitCode: number | null; report?: ConformanceReport; output: string }

/** Run `npm test` (the CLI) against an emulator with `steps`, on a real port, with the virtual clock. */
export async function runAgainst(steps: Deviation['steps'] | undefined, seed: number, runs: number): Promise<TargetRun> {
  const emulator = await startEmulator({ clock: 'virtual', ...(steps ? { steps: steps() } : {}) });
  try {
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 16 });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-matrix-'));
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('VITEST') && !k.startsWith('PACT_BROKER')));
    const childEnv = { ...base, ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_SEED: String(seed), RUNBASE_RUNS: String(runs), RUNBASE_REPORT_DIR: dir, RUNBASE_ENV_FILE: '/dev/null', NO_COLOR: '1' };
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/conformance.ts'], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.on('error', fail);
      child.on('close', (c) => { clearTimeout(timer); done({ code: c, output: out }); });
    });
    let report: ConformanceReport | undefined;
    try { report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport; } catch { report = undefined; }
    return { exitCode: code, output, ...(report ? { report } : {}) };
  } finally {
    await emulator.close();
  }
}

export interface Verdict {
  deviation: string;
  family: string;
  level: Deviation['level'];
  description: string;
  expected: string[];
  /** Rules that noticed: failed (gate), warned (warn) or recorded differently (observe). */
  caughtBy: string[];
  unrelatedGateFailures: string[];
  killed: boolean;
  requests: number;
  exitCode: number | null;
}

const ids = (rules: RuleResult[], verdict: RuleResult['verdict']) => rules.filter((r) => r.verdict === verdict).map((r) => r.id);
const observationsOf = (report: ConformanceReport | undefined, id: string) => JSON.stringify(report?.rules.find((r) => r.id === id)?.observations.map((o) => [o.label, o.value]) ?? null);

export function judge(d: Deviation, run: TargetRun, baseline: TargetRun): Verdict {
  const rules = run.report?.rules ?? [];
  const failed = ids(rules, 'failed');
  const allowed = new Set([...d.caughtBy, ...(d.alsoMayFail === 'any' ? failed : d.alsoMayFail ?? [])]);
  const unrelated = d.level === 'gate' ? failed.filter((id) => !allowed.has(id)) : failed;
  let caughtBy: string[];
  if (d.level === 'gate') caughtBy = d.caughtBy.filter((id) => failed.includes(id));
  else if (d.level === 'warn') caughtBy = d.caughtBy.filter((id) => ids(rules, 'warned').includes(id));
  else caughtBy = d.caughtBy.filter((id) => observationsOf(run.report, id) !== observationsOf(baseline.report, id));
  const expectedExit = d.level === 'gate' ? 1 : 0;
  const killed = run.report !== undefined && caughtBy.length === d.caughtBy.length && unrelated.length === 0 && run.exitCode === expectedExit;
  return {
    deviation: d.name, family: d.family, level: d.level, description: d.description, expected: d.caughtBy, caughtBy,
    unrelatedGateFailures: unrelated, killed, requests: run.report?.requests ?? 0, exitCode: run.exitCode,
  };
}

/** Run `jobs` with at most `width` at once, keeping their order. */
export async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, async () => {
    while (next < jobs.length) { const i = next++; out[i] = await jobs[i]!(); }
  }));
  return out;
}

export interface SeedRun { seed: number; exitCode: number | null; failed: string[]; warned: string[]; skipped: string[] }

export interface MatrixResult { verdicts: Verdict[]; seeds: SeedRun[]; killRate: number; gateKillRate: number; startedAt: string; finishedAt: string }

export async function runMatrix(deviations: Deviation[], opts: { seeds: number[]; runs: number; width?: number }): Promise<MatrixResult> {
  const startedAt = new Date().toISOString();
  const width = opts.width ?? 2;
  const baseline = await runAgainst(undefined, opts.seeds[0]!, opts.runs);
  const verdicts = await pool(deviations.map((d) => async () => judge(d, await runAgainst(d.steps, opts.seeds[0]!, opts.runs), baseline)), width);
  const seedRuns = await pool(opts.seeds.map((seed) => async (): Promise<SeedRun> => {
    const run = seed === opts.seeds[0] ? baseline : await runAgainst(undefined, seed, opts.runs);
    const rules = run.report?.rules ?? [];
    return { seed, exitCode: run.exitCode, failed: ids(rules, 'failed'), warned: ids(rules, 'warned'), skipped: ids(rules, 'skipped') };
  }), width);
  const rate = (vs: Verdict[]) => (vs.length ? vs.filter((v) => v.killed).length / vs.length : 1);
  return { verdicts, seeds: seedRuns, killRate: rate(verdicts), gateKillRate: rate(verdicts.filter((v) => v.level === 'gate')), startedAt, finishedAt: new Date().toISOString() };
}

export function renderMutationMarkdown(m: MatrixResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    '# Mutation report: does the suite catch deviant emulators?', '',
    `**Kill rate ${pct(m.killRate)}** (gate deviations ${pct(m.gateKillRate)}) over ${m.verdicts.length} deviations; faithful emulator ${m.seeds.every((s) => s.exitCode === 0 && s.failed.length === 0 && s.warned.length === 0) ? 'clean' : 'NOT clean'} on ${m.seeds.length} seeds (${m.seeds.map((s) => s.seed).join(', ')}).`, '',
    'A gate deviation is killed when every rule it names fails, no unrelated gate rule fails, and the run exits 1; a warn deviation when its rule warns and the run still exits 0; an observe deviation when its rule records something other than the faithful emulator does.', '',
    '| deviation | family | level | what it breaks | caught by | unrelated gate failures | requests | killed |',
    '|---|---|---|---|---|---|---|---|',
    ...m.verdicts.map((v) => `| ${v.deviation} | ${v.family} | ${v.level} | ${v.description} | ${v.caughtBy.join(', ') || '—'}${v.caughtBy.length < v.expected.length ? ` (expected ${v.expected.join(', ')})` : ''} | ${v.unrelatedGateFailures.join(', ') || '—'} | ${v.requests} | ${v.killed ? '✅' : '❌'} |`),
    '', '## Faithful emulator', '', '| seed | exit | failed | warned | skipped |', '|---|---|---|---|---|',
    ...m.seeds.map((s) => `| ${s.seed} | ${s.exitCode} | ${s.failed.join(', ') || '—'} | ${s.warned.join(', ') || '—'} | ${s.skipped.join(', ') || '—'} |`),
    '',
  ];
  return lines.join('\n');
}

export function writeMutationReport(m: MatrixResult, dir = resolve(repoRoot, 'reports')): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'mutation.json'), join(dir, 'mutation.md')];
  writeFileSync(files[0]!, `${JSON.stringify(m, null, 2)}\n`);
  writeFileSync(files[1]!, renderMutationMarkdown(m));
  return files;
}
