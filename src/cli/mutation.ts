// `npm run mutation`: the mutation matrix on its own, a line per run as it finishes; writes
// reports/mutation.{md,json}. Exit 0 when every deviation is killed and the faithful emulator is
// clean on every seed, 1 otherwise, 2 on a wrong option.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { deviations } from '../selftest/deviations.ts';
import { MATRIX_DEFAULTS, progressLine, runMatrix, writeMutationReport } from '../selftest/matrix.ts';

const HELP = `Usage: npm run mutation -- [--only NAME,NAME] [--seeds ${MATRIX_DEFAULTS.seeds}] [--runs ${MATRIX_DEFAULTS.runs}] [--width N] [--report-dir reports]

Runs the whole conformance suite against every deliberately broken emulator in
src/selftest/deviations.ts (${deviations.length} of them) and against the faithful emulator on seeds 1..N,
each on a real loopback port, and prints a line per run as it finishes. A deviation is killed when the
rules it names notice it (gate: fail with exit 1, no unrelated gate failure; warn: warn with exit 0;
observe: record something else than the faithful emulator).

  --only      run only these deviations (comma-separated; npm run deviant-emulator -- --list names them)
  --seeds     faithful-emulator seeds (default ${MATRIX_DEFAULTS.seeds})
  --runs      cases per property (default ${MATRIX_DEFAULTS.runs})
  --width     runs at once (default: the CPUs, at least 2)
  --fresh-processes
              each run as its own \`npm test\` process, exactly as a user starts it (slower); by
              default long-lived runner processes call the CLI's main() once per run, each run
              still a whole vitest run with its own worker, reports and real HTTP

Exit 0: every deviation killed and the faithful emulator clean; 1: a survivor or a dirty seed; 2: wrong option.`;

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} must be a whole number ≥ 1, got '${value}'`);
  return Number(value);
}

async function main(): Promise<number> {
  let args;
  let opts;
  try {
    args = parseArgs({ options: { only: { type: 'string' }, seeds: { type: 'string' }, runs: { type: 'string' }, width: { type: 'string' }, 'fresh-processes': { type: 'boolean' }, 'report-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
    if (args.help) { console.log(HELP); return 0; }
    const names = args.only?.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names?.filter((n) => !deviations.some((d) => d.name === n)) ?? [];
    if (unknown.length) throw new Error(`unknown deviation ${unknown.join(', ')} (npm run deviant-emulator -- --list names them)`);
    opts = {
      selected: names ? deviations.filter((d) => names.includes(d.name)) : deviations,
      seeds: Array.from({ length: wholeNumber('seeds', args.seeds, MATRIX_DEFAULTS.seeds) }, (_, i) => i + 1),
      runs: wholeNumber('runs', args.runs, MATRIX_DEFAULTS.runs),
      width: wholeNumber('width', args.width, Math.max(2, availableParallelism())),
      freshProcesses: args['fresh-processes'] ?? false,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  console.log(`mutation matrix: ${opts.selected.length} deviations and the faithful emulator on ${opts.seeds.length} seeds, ${opts.runs} cases per property, ${opts.width} at once`);
  const started = Date.now();
  const result = await runMatrix(opts.selected, { seeds: opts.seeds, runs: opts.runs, width: opts.width, freshProcesses: opts.freshProcesses, onProgress: (p) => console.log(progressLine(p)) });
  const files = writeMutationReport(result, ...(args['report-dir'] ? [resolve(args['report-dir'])] : []));
  const survivors = result.verdicts.filter((v) => !v.killed).map((v) => v.deviation);
  const dirty = result.seeds.filter((s) => s.exitCode !== 0 || s.failed.length || s.warned.length || s.skipped.length).map((s) => s.seed);
  console.log(`kill rate ${(result.killRate * 100).toFixed(1)}% (${result.verdicts.length} deviations); survivors: ${survivors.join(', ') || 'none'}; faithful dirty on seeds: ${dirty.join(', ') || 'none'}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`reports: ${files.join(', ')}`);
  return survivors.length || dirty.length ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
});
