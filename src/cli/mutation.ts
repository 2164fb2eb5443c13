// `npm run mutation`: the mutation matrix on its own; writes reports/mutation.{md,json}.
// Exit 1 when a gate deviation survives or the faithful emulator is not clean.
import { deviations } from '../selftest/deviations.ts';
import { runMatrix, writeMutationReport } from '../selftest/matrix.ts';

const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
const result = await runMatrix(deviations, { seeds, runs: 20 });
const files = writeMutationReport(result);
const survivors = result.verdicts.filter((v) => !v.killed).map((v) => v.deviation);
const dirty = result.seeds.filter((s) => s.exitCode !== 0 || s.failed.length || s.warned.length).map((s) => s.seed);
console.log(`kill rate ${(result.killRate * 100).toFixed(1)}% (${result.verdicts.length} deviations); survivors: ${survivors.join(', ') || 'none'}; faithful dirty on seeds: ${dirty.join(', ') || 'none'}`);
console.log(`reports: ${files.join(', ')}`);
process.exit(survivors.length || dirty.length ? 1 : 0);
