// `npm run bench`: a benchmark, never a test. The conformance run in real time against the reference
// emulator (started here, real clock, on loopback) at 1, 2 and 8 pool keys — requests, wall time, the
// rate-limit floor and the ratio — plus the embedded run's time. Printed as a table and written to
// reports/bench.json under sections.conformance; other sections of that file are kept.
//
// The floor counts what the limit really makes the run wait for: the requests each key had admitted
// (counted at the emulator's rate-limit step; a refusal uses no budget), the pool's shared over its K
// keys, every other key's (fixtures, account B, the accounts rules make) on its own. R ÷ (2·K), over
// every request sent, is also given: it counts refused bursts and other keys' requests as pool work.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { contract } from '../contract/index.ts';
import { startEmulator, provisionFixtures, faithfulSteps, type Step } from '../emulator/index.ts';
import type { ConformanceReport } from '../report/model.ts';
import { DEFAULT_CONCURRENCY } from '../runner/concurrency.ts';
import { machine, writeSection } from '../bench/bench-json.ts';

const HELP = `Usage: npm run bench -- [--keys 1,2,8] [--clock real|virtual] [--runs N] [--concurrency N] [--no-embedded] [--out reports/bench.json]

Real-time conformance runs against the reference emulator at each key count (RUNBASE_RUNS cases per
property, default 10 as against any remote target; RUNBASE_CONCURRENCY rules at a time), then the
embedded run. The floor is what the documented limit alone forces: the requests the pool's keys had
admitted over K keys at 2 per second, or the busiest other key's (fixture, account B) at 2 per second,
whichever is longer (with one key, plus the key time the rate-limit rules' leases held idle).
--clock virtual runs against the emulator's virtual clock instead: the time is the clock's, what the
pacing alone costs (no latency, no CPU), the same for a seed whatever the machine: for comparing
schedules. Each run's reports are kept in
bench/keys-K/ (and bench/embedded/) beside the output file.`;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RealtimeRow {
  keys: number; requests: number; wallMs: number;
  /** Requests the pool's keys had admitted, and the most any other single key had. */
  admittedOnPool: number; admittedOnBusiestOtherKey: number;
  /** With one key: the key time the rate-limit rules' leases held idle beyond what they admitted. */
  leaseIdleMs: number;
  /** max(pool admitted ÷ (K · rate) (+ lease idle time with one key), busiest other key ÷ rate): what the limit alone forces. */
  floorMs: number; ratio: number;
  /** R ÷ (2·K) over every request sent, and wall ÷ that. */
  naiveFloorMs: number; naiveRatio: number;
  exitCode: number | null; environmentEvents: number; slowestRule?: { id: string; durationMs: number };
}

/** The time `requests` admitted requests take on `keys` keys at the documented rate. */
export function floorMs(requests: number, keys: number): number {
  const { requests: perWindow, windowSeconds } = contract.limits.rateLimit;
  return Math.round((requests / (keys * perWindow)) * windowSeconds * 1000);
}

/** The faithful pipeline with its rate-limit step counting, per key, the requests it admits. */
function countingSteps(admitted: Map<string, number>): Step[] {
  return faithfulSteps.map((step) => (step.name !== 'rateLimit' ? step : {
    ...step,
    run: (ctx) => {
      const answer = step.run(ctx);
      if (!answer) admitted.set(ctx.key!.key, (admitted.get(ctx.key!.key) ?? 0) + 1);
      return answer;
    },
  }));
}

/** `npm test` as a child process with only the given RUNBASE_ settings; its wall time and report. */
async function conformanceRun(env: Record<string, string>, reportDir: string): Promise<{ code: number | null; wallMs: number; report?: ConformanceReport }> {
  rmSync(reportDir, { recursive: true, force: true });
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('VITEST')));
  const started = performance.now();
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/conformance.ts'], {
      cwd: repoRoot,
      env: { ...base, RUNBASE_ENV_FILE: '/dev/null', RUNBASE_PROGRESS: 'off', ...env, RUNBASE_REPORT_DIR: reportDir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', fail);
    child.on('close', done);
  });
  const wallMs = Math.round(performance.now() - started);
  const file = join(reportDir, 'conformance.json');
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport) : undefined;
  return { code, wallMs, ...(report ? { report } : {}) };
}

const runSpan = (r: ConformanceReport) => Date.parse(r.finishedAt) - Date.parse(r.startedAt);

/** What a virtual-clock run first waits out (src/http/pacing.ts clockFor). */
const FRESH_WINDOW_MS = contract.limits.rateLimit.windowSeconds * 1000 + 1000;

async function realtimeRow(keys: number, settings: Record<string, string>, reportDir: string, clock: 'real' | 'virtual' = 'real'): Promise<RealtimeRow> {
  const admitted = new Map<string, number>();
  const emulator = await startEmulator({ clock, steps: countingSteps(admitted) });
  try {
    // The emulator provisions at least two pool keys; the run is given the first `keys` of them.
    const fixtures = provisionFixtures(emulator.state, { poolSize: Math.max(2, keys), url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const poolVar = contract.fixtures.apiKeys!.env[0]!;
    fixtures[poolVar] = fixtures[poolVar]!.split(',').slice(0, keys).join(',');
    const clockAtStart = emulator.state.clock.now();
    const run = await conformanceRun({ ...fixtures, ...settings, RUNBASE_CLOCK: clock }, reportDir);
    if (!run.report) throw new Error(`the run at ${keys} keys wrote no report (exit ${run.code})`);
    // The run's own span (from the first rule to the reports), without Node's start-up; on the
    // virtual clock, the time the clock moved, less the fresh window a run starts by waiting out
    // (src/http/pacing.ts): what the pacing alone costs, with no latency and no CPU.
    const wallMs = clock === 'real' ? runSpan(run.report) : emulator.state.clock.now() - clockAtStart - FRESH_WINDOW_MS;
    const pool = new Set(fixtures[poolVar]!.split(','));
    const onPool = [...admitted].filter(([k]) => pool.has(k)).reduce((n, [, c]) => n + c, 0);
    const busiestOther = Math.max(0, ...[...admitted].filter(([k]) => !pool.has(k)).map(([, c]) => c));
    // With one key, the key time the rate-limit rules' leases held idle (the run's report measures it) adds to the floor.
    const leaseIdleMs = keys === 1 ? run.report.rules.reduce((n, r) => n + (r.leaseIdleMs ?? 0), 0) : 0;
    const floor = Math.max(floorMs(onPool, keys) + leaseIdleMs, floorMs(busiestOther, 1));
    const naive = floorMs(run.report.requests, keys);
    const slowest = [...run.report.rules].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))[0];
    const ratio = (ms: number) => Math.round((wallMs / ms) * 100) / 100;
    return {
      keys, requests: run.report.requests, wallMs, admittedOnPool: onPool, admittedOnBusiestOtherKey: busiestOther, leaseIdleMs,
      floorMs: floor, ratio: ratio(floor), naiveFloorMs: naive, naiveRatio: ratio(naive), exitCode: run.code,
      environmentEvents: run.report.environmentEvents.length,
      ...(slowest?.durationMs !== undefined ? { slowestRule: { id: slowest.id, durationMs: slowest.durationMs } } : {}),
    };
  } finally {
    await emulator.close();
  }
}

export function table(rows: RealtimeRow[], embedded?: { wallMs: number; requests: number; exitCode: number | null }): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = ['| keys | requests | admitted: pool / busiest other key | idle windows (1 key) | wall | floor | ratio | R/(2K) (ratio) | exit | 429s outside RL | slowest rule |', '|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.keys} | ${r.requests} | ${r.admittedOnPool} / ${r.admittedOnBusiestOtherKey} | ${r.keys === 1 ? (r.leaseIdleMs / (contract.limits.rateLimit.windowSeconds * 1000)).toFixed(1) : '—'} | ${s(r.wallMs)} | ${s(r.floorMs)} | ${r.ratio.toFixed(2)}× | ${s(r.naiveFloorMs)} (${r.naiveRatio.toFixed(2)}×) | ${r.exitCode} | ${r.environmentEvents} | ${r.slowestRule ? `${r.slowestRule.id} ${s(r.slowestRule.durationMs)}` : ''} |`);
  if (embedded) lines.push('', `embedded run (virtual clock, default settings): ${s(embedded.wallMs)} for ${embedded.requests} requests, exit ${embedded.exitCode}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { keys: { type: 'string' }, clock: { type: 'string' }, runs: { type: 'string' }, concurrency: { type: 'string' }, 'no-embedded': { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) { console.log(HELP); return 0; }
  const keys = (args.keys ?? '1,2,8').split(',').map(Number);
  const clock = args.clock ?? 'real';
  if (clock !== 'real' && clock !== 'virtual') { console.error(`--clock must be real or virtual\n\n${HELP}`); return 2; }
  if (keys.some((k) => !Number.isInteger(k) || k < 1 || k > 64)) { console.error(`--keys must list whole numbers from 1 to 64\n\n${HELP}`); return 2; }
  const runs = args.runs ?? process.env.RUNBASE_RUNS ?? '10';
  const concurrency = args.concurrency ?? process.env.RUNBASE_CONCURRENCY;
  const settings: Record<string, string> = { RUNBASE_RUNS: runs, RUNBASE_SEED: process.env.RUNBASE_SEED ?? '42', ...(concurrency ? { RUNBASE_CONCURRENCY: concurrency } : {}) };
  const out = args.out ?? 'reports/bench.json';
  const rows: RealtimeRow[] = [];
  for (const k of keys) {
    console.error(`bench: ${clock === 'real' ? 'real-time' : 'virtual-clock'} run at ${k} key${k > 1 ? 's' : ''} (RUNBASE_RUNS=${runs})…`);
    rows.push(await realtimeRow(k, settings, join(dirname(out), 'bench', `keys-${k}`), clock));
  }
  let embedded: { wallMs: number; runMs: number; requests: number; exitCode: number | null } | undefined;
  if (!args['no-embedded']) {
    console.error('bench: embedded run…');
    const run = await conformanceRun({ RUNBASE_SEED: settings.RUNBASE_SEED!, ...(concurrency ? { RUNBASE_CONCURRENCY: concurrency } : {}) }, join(dirname(out), 'bench', 'embedded'));
    embedded = { wallMs: run.wallMs, runMs: run.report ? runSpan(run.report) : 0, requests: run.report?.requests ?? 0, exitCode: run.code };
  }
  writeSection(out, 'conformance', {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { runs: Number(runs), seed: Number(settings.RUNBASE_SEED), concurrency: concurrency ? Number(concurrency) : DEFAULT_CONCURRENCY, target: `reference emulator, ${clock} clock, loopback` },
    realtime: rows,
    ...(embedded ? { embedded } : {}),
  });
  console.log(table(rows, embedded));
  console.log(`written to ${out}`);
  return rows.every((r) => r.exitCode === 0) && (embedded?.exitCode ?? 0) === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (error) => { console.error(`error: ${(error as Error).message}`); process.exit(2); });
}
