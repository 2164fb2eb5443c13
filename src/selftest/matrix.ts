// The mutation matrix: the suite against every deviant emulator (and the faithful one on many seeds),
// each over a real loopback port with the conformance CLI (a whole `npm test` per run, in long-lived
// runner processes, see runnerPool), judged from its conformance.json.
// A gate deviation is killed when every rule it names fails and no unrelated gate rule does.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import type { ConformanceReport } from '../report/model.ts';
import { NOTHING_JUDGED, type RuleResult } from '../verdicts/result.ts';
import { isProbeFailure } from '../conformance/documented-errors.ts';
import type { Deviation } from './deviations.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TargetRun { exitCode: number | null; report?: ConformanceReport; output: string; ms: number }

/** Runs a conformance CLI job (an environment, and arguments) to its exit code and output. */
export type CliRunner = (env: Record<string, string>, argv?: string[]) => Promise<{ code: number | null; output: string }>;

const JOB_TIMEOUT_MS = 180_000;

/** `npm test` as a fresh child process per job: what a user runs. */
export const spawnRunner: CliRunner = (env, argv = []) => new Promise((done, fail) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...argv], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), JOB_TIMEOUT_MS);
  child.on('error', fail);
  child.on('close', (c) => { clearTimeout(timer); done({ code: c, output: out }); });
});

interface RunnerProcess { child: ChildProcess; busy: boolean }

/**
 * `width` long-lived processes (src/selftest/cli-runner.ts), each running the CLI's `main()` once per
 * job: every job is still a whole run with its own vitest worker and real HTTP, without paying node's,
 * tsx's and vitest's start-up each time. A runner that dies or overruns is replaced.
 */
export function runnerPool(width: number): { run: CliRunner; close: () => Promise<void> } {
  const idle: RunnerProcess[] = [];
  const waiting: ((r: RunnerProcess) => void)[] = [];
  const all = new Set<ChildProcess>();
  let nextId = 0;
  const startRunner = (): RunnerProcess => {
    const child = fork(join(repoRoot, 'src/selftest/cli-runner.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], env: process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    all.add(child);
    child.on('exit', () => all.delete(child));
    return { child, busy: false };
  };
  let started = 0;
  const acquire = (): Promise<RunnerProcess> => {
    const r = idle.pop();
    if (r) return Promise.resolve(r);
    if (started < width) { started++; return Promise.resolve(startRunner()); }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (r: RunnerProcess) => { const w = waiting.shift(); if (w) w(r); else idle.push(r); };
  const run: CliRunner = async (env, argv) => {
    let r = await acquire();
    if (r.child.exitCode !== null || r.child.signalCode !== null) r = startRunner();
    const id = nextId++;
    const result = await new Promise<{ code: number | null; output: string }>((done) => {
      const timer = setTimeout(() => r.child.kill('SIGKILL'), JOB_TIMEOUT_MS);
      const onMessage = (m: { id?: number; code: number | null; output: string }) => { if (m.id === id) finish({ code: m.code, output: m.output }); };
      const onExit = (code: number | null, signal: string | null) => finish({ code: null, output: `runner ended (${signal ?? code}) during the job` });
      function finish(res: { code: number | null; output: string }) {
        clearTimeout(timer);
        r.child.off('message', onMessage);
        r.child.off('exit', onExit);
        done(res);
      }
      r.child.on('message', onMessage);
      r.child.on('exit', onExit);
      r.child.send({ id, env, ...(argv ? { argv } : {}) });
    });
    release(r.child.exitCode === null && r.child.signalCode === null ? r : startRunner());
    return result;
  };
  const close = () => Promise.all([...all].map((c) => new Promise<void>((done) => { c.once('exit', () => done()); c.kill('SIGTERM'); }))).then(() => undefined);
  return { run, close };
}

/** Run the CLI against an emulator with `steps` (and open `choices`), on a real port, with the virtual clock. */
export async function runAgainst(steps: Deviation['steps'] | undefined, seed: number, runs: number, runner: CliRunner = spawnRunner, choices?: Record<string, unknown>): Promise<TargetRun> {
  const started = Date.now();
  const emulator = await startEmulator({ clock: 'virtual', ...(steps ? { steps: steps() } : {}), ...(choices ? { choices } : {}) });
  try {
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 16 });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-matrix-'));
    const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('RUNBASE_') && !e[0].startsWith('VITEST') && !e[0].startsWith('PACT_BROKER')));
    const childEnv = { ...base, ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_SEED: String(seed), RUNBASE_RUNS: String(runs), RUNBASE_REPORT_DIR: dir, RUNBASE_ENV_FILE: '/dev/null', NO_COLOR: '1' };
    const { code, output } = await runner(childEnv);
    let report: ConformanceReport | undefined;
    try { report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport; } catch { report = undefined; }
    rmSync(dir, { recursive: true, force: true });
    return { exitCode: code, output, ms: Date.now() - started, ...(report ? { report } : {}) };
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
  ms: number;
  /** The end of the run's output when it could not be judged (no report, or exit 2). */
  diagnostic?: string;
}

const ids = (rules: RuleResult[], verdict: RuleResult['verdict']) => rules.filter((r) => r.verdict === verdict).map((r) => r.id);
const observationsOf = (report: ConformanceReport | undefined, id: string) => JSON.stringify(report?.rules.find((r) => r.id === id)?.observations.map((o) => [o.label, o.value]) ?? null);

export function judge(d: Deviation, run: TargetRun, baseline: TargetRun): Verdict {
  const rules = run.report?.rules ?? [];
  const failed = ids(rules, 'failed');
  // An envelope rule that failed only through its probe of a documented error (which the deviation
  // answers wrongly) caught the same fault as the family's rule: not an unrelated failure.
  const onlyThroughProbes = rules.filter((r) => r.failures.length > 0 && r.failures.every((f) => isProbeFailure(f.message))).map((r) => r.id);
  const allowed = new Set([...d.caughtBy, ...onlyThroughProbes, ...(d.alsoMayFail === 'any' ? failed : d.alsoMayFail ?? [])]);
  const unrelated = d.level === 'gate' ? failed.filter((id) => !allowed.has(id)) : failed;
  let caughtBy: string[];
  if (d.level === 'gate') caughtBy = d.caughtBy.filter((id) => failed.includes(id));
  else if (d.level === 'warn') caughtBy = d.caughtBy.filter((id) => ids(rules, 'warned').includes(id));
  else caughtBy = d.caughtBy.filter((id) => observationsOf(run.report, id) !== observationsOf(baseline.report, id));
  const expectedExit = d.level === 'gate' ? 1 : 0;
  const killed = run.report !== undefined && caughtBy.length === d.caughtBy.length && unrelated.length === 0 && run.exitCode === expectedExit;
  return {
    deviation: d.name, family: d.family, level: d.level, description: d.description, expected: d.caughtBy, caughtBy,
    unrelatedGateFailures: unrelated, killed, requests: run.report?.requests ?? 0, exitCode: run.exitCode, ms: run.ms,
    ...(!run.report || run.exitCode === 2 ? { diagnostic: run.output.trim().split('\n').slice(-8).join('\n') } : {}),
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

/** `skipped`: rules skipped for a reason; `nothingToJudge`: skipped because the run gave them nothing (SRV-500-SHAPE without a 500). */
export interface SeedRun { seed: number; exitCode: number | null; failed: string[]; warned: string[]; skipped: string[]; nothingToJudge: string[] }

export interface MatrixResult { verdicts: Verdict[]; seeds: SeedRun[]; killRate: number; gateKillRate: number; startedAt: string; finishedAt: string }

/** Ten faithful seeds; 10 cases per property kill every deviation (the start-up of a run costs more than its cases). */
export const MATRIX_DEFAULTS = { seeds: 10, runs: 10 };

/** One finished run of the matrix, as it happens (for progress lines). */
export type MatrixProgress = { done: number; total: number } & ({ verdict: Verdict } | { seed: SeedRun; ms: number });

export interface MatrixOptions {
  seeds: number[];
  runs: number;
  /** Runs at once (default: the CPUs, at least 2). */
  width?: number;
  onProgress?: (p: MatrixProgress) => void;
  /** Each run as its own `npm test` child process (slower: node, tsx and vitest start every time). */
  freshProcesses?: boolean;
}

export async function runMatrix(deviations: Deviation[], opts: MatrixOptions): Promise<MatrixResult> {
  const startedAt = new Date().toISOString();
  const width = opts.width ?? Math.max(2, availableParallelism());
  const runners = opts.freshProcesses ? { run: spawnRunner, close: async () => {} } : runnerPool(width);
  const total = deviations.length + opts.seeds.length;
  let done = 0;
  const seedRun = (seed: number, run: TargetRun): SeedRun => {
    const rules = run.report?.rules ?? [];
    const vacuous = rules.filter((r) => r.verdict === 'skipped' && r.skipReason?.startsWith(NOTHING_JUDGED)).map((r) => r.id);
    const s = { seed, exitCode: run.exitCode, failed: ids(rules, 'failed'), warned: ids(rules, 'warned'), skipped: ids(rules, 'skipped').filter((id) => !vacuous.includes(id)), nothingToJudge: vacuous };
    opts.onProgress?.({ done: ++done, total, seed: s, ms: run.ms });
    return s;
  };
  try {
    // The first seed's faithful run is the baseline the observe deviations are compared with.
    const baseline = await runAgainst(undefined, opts.seeds[0]!, opts.runs, runners.run);
    const first = seedRun(opts.seeds[0]!, baseline);
    const jobs: (() => Promise<Verdict | SeedRun>)[] = [
      ...deviations.map((d) => async () => {
        const verdict = judge(d, await runAgainst(d.steps, opts.seeds[0]!, opts.runs, runners.run), baseline);
        opts.onProgress?.({ done: ++done, total, verdict });
        return verdict;
      }),
      ...opts.seeds.slice(1).map((seed) => async () => seedRun(seed, await runAgainst(undefined, seed, opts.runs, runners.run))),
    ];
    const results = await pool(jobs, width);
    const verdicts = results.slice(0, deviations.length) as Verdict[];
    const seeds = [first, ...(results.slice(deviations.length) as SeedRun[])];
    const rate = (vs: Verdict[]) => (vs.length ? vs.filter((v) => v.killed).length / vs.length : 1);
    return { verdicts, seeds, killRate: rate(verdicts), gateKillRate: rate(verdicts.filter((v) => v.level === 'gate')), startedAt, finishedAt: new Date().toISOString() };
  } finally {
    await runners.close();
  }
}

/** One line for a finished run: `[12/68] killed  code-wrong-case (gate): AUTH-MISSING, … 2.4 s`. */
export function progressLine(p: MatrixProgress): string {
  const head = `[${String(p.done).padStart(String(p.total).length)}/${p.total}]`;
  if ('verdict' in p) {
    const v = p.verdict;
    const why = v.killed ? `caught by ${v.caughtBy.join(', ')}` : `caught by [${v.caughtBy.join(', ')}] of [${v.expected.join(', ')}], unrelated [${v.unrelatedGateFailures.join(', ')}], exit ${v.exitCode}`;
    return `${head} ${v.killed ? 'killed  ' : 'SURVIVED'} ${v.deviation} (${v.level}): ${why} · ${v.requests} requests · ${(v.ms / 1000).toFixed(1)} s${v.diagnostic ? `\n${v.diagnostic.replace(/^/gm, '    ')}` : ''}`;
  }
  const s = p.seed;
  const clean = s.exitCode === 0 && !s.failed.length && !s.warned.length && !s.skipped.length;
  return `${head} ${clean ? 'clean   ' : 'DIRTY   '} faithful emulator, seed ${s.seed}${clean ? '' : `: exit ${s.exitCode}, failed [${s.failed.join(', ')}], warned [${s.warned.join(', ')}], skipped [${s.skipped.join(', ')}]`} · ${(p.ms / 1000).toFixed(1)} s`;
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

/** The Stryker section `npm run mutation:stryker` writes into mutation.md (test/mutants/summary.ts), between these marks. */
export const STRYKER_SECTION = /<!-- stryker -->[\s\S]*?<!-- \/stryker -->\n?/;

export function writeMutationReport(m: MatrixResult, dir = resolve(repoRoot, 'reports')): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'mutation.json'), join(dir, 'mutation.md')];
  writeFileSync(files[0]!, `${JSON.stringify(m, null, 2)}\n`);
  // The machine-made mutants' score stays in the report until the next Stryker run replaces it.
  const stryker = existsSync(files[1]!) ? STRYKER_SECTION.exec(readFileSync(files[1]!, 'utf8'))?.[0] : undefined;
  writeFileSync(files[1]!, renderMutationMarkdown(m) + (stryker ? `\n${stryker}` : ''));
  return files;
}
