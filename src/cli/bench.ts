// `npm run bench`: the conformance benchmark (src/selftest/bench.ts) — real-time runs against the
// reference emulator at 1, 2 and 8 pool keys, then the embedded run; a table, and reports/bench.json.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS, runSettingsToPassOn } from '../settings/index.ts';
import { conformanceRun, machine, realtimeRow, runSpan, table, writeSection, type RealtimeRow } from '../selftest/bench.ts';

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
  const given = runSettingsToPassOn();
  const runs = args.runs ?? given.runs ?? '10';
  const concurrency = args.concurrency ?? given.concurrency;
  const settings: Record<string, string> = { RUNBASE_RUNS: runs, RUNBASE_SEED: given.seed ?? String(DEFAULTS.seed), ...(concurrency ? { RUNBASE_CONCURRENCY: concurrency } : {}) };
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
    settings: { runs: Number(runs), seed: Number(settings.RUNBASE_SEED), concurrency: concurrency ? Number(concurrency) : DEFAULTS.concurrency, target: `reference emulator, ${clock} clock, loopback` },
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
