// `npm run mutation:stryker [-- stryker options]`: Stryker with the committed config (options such as
// --mutate, --concurrency or --force pass through), then the score and survivors by kind (summary.ts).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedResultFile } from './triage.ts';
import { trimReasons } from './retest.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
const stryker = spawnSync(process.execPath, [bin, 'run', 'test/mutants/stryker.config.json', ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
if (stryker.status !== 0) process.exit(stryker.status ?? 2);
// Each mutant's status reason is the whole conformance output (kilobytes): the committed result keeps its verdict line.
trimReasons(committedResultFile);
const summary = spawnSync(process.execPath, ['--import', 'tsx', 'test/mutants/summary.ts'], { cwd: repoRoot, stdio: 'inherit' });
process.exit(summary.status ?? 2);
