// The conformance benchmark behind `npm run bench` (a benchmark, never a test). The conformance run in real time against the reference
// emulator (started here, real clock, on loopback) at 1, 2 and 8 pool keys — requests, wall time, the
// rate-limit floor and the ratio — plus the embedded run's time. Printed as a table and written to
// reports/bench.json under sections.conformance; other sections of that file are kept.
//
// The floor counts what the limit really makes the run wait for: the requests each key had admitted
// (counted at the emulator's rate-limit step; a refusal uses no budget), the pool's shared over its K
// keys, every other key's (fixtures, account B, the accounts rules make) on its own. R ÷ (2·K), over
// every request sent, is also given: it counts refused bursts and other keys' requests as pool work.
import { spawn } from 'node:child_process';
import { cpus, totalmem, platform, release } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract } from '../contract/index.ts';
import { startEmulator, provisionFixtures, faithfulSteps, type Step } from '../emulator/index.ts';
import type { ConformanceReport } from '../report/model.ts';
import { FRESH_WINDOW_MS } from '../http/pacing.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Machine { cpus: number; cpuModel: string; memoryGb: number; platform: string; node: string }

export function machine(): Machine {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version };
}

export interface RealtimeRow {
  keys: number; requests: number; wallMs: number;
  /** Requests the pool's keys had admitted, and the most any other single key had. */
  admittedOnPool: number; admittedOnBusiestOtherKey: number;
  /** With one key: the key time the rate-limit rules' leases held idle beyond what they admitted. */
  leaseIdleMs: number;
  /** max(pool admitted ÷ (K · rate), busiest other key ÷ rate): what the limit alone forces. */
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
export async function conformanceRun(env: Record<string, string>, reportDir: string): Promise<{ code: number | null; wallMs: number; report?: ConformanceReport }> {
  rmSync(reportDir, { recursive: true, force: true });
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('VITEST')));
  const started = performance.now();
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts'], {
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

export const runSpan = (r: ConformanceReport) => Date.parse(r.finishedAt) - Date.parse(r.startedAt);

export async function realtimeRow(keys: number, settings: Record<string, string>, reportDir: string, clock: 'real' | 'virtual' = 'real'): Promise<RealtimeRow> {
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
    // virtual clock, the time the clock moved, less the fresh window a run starts by waiting out:
    // what the pacing alone costs, with no latency and no CPU.
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

/** Replace this benchmark's section of bench.json, keeping the sections other benchmarks wrote. */
export function writeSection(file: string, name: string, section: unknown): void {
  let doc: { machine?: Machine; date?: string; sections?: Record<string, unknown> } = {};
  if (existsSync(file)) {
    try { doc = JSON.parse(readFileSync(file, 'utf8')); } catch { doc = {}; }
  }
  const now = new Date().toISOString();
  const next = { machine: machine(), date: now, sections: { ...(doc.sections ?? {}), [name]: section } };
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}

