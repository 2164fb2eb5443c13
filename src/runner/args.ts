// Arguments of `npm test -- …` that belong to the runner rather than to vitest: `--shard=i/n`
// (vitest's own --shard splits by file; ours splits by rule, see src/contract/shard.ts) and suite files
// (`suites/limits.test.ts`: the conformance project has one entry file, so files become families).
// They are settings given on the command line; src/settings reads them over the environment's.
import { basename } from 'node:path';

export interface RunnerArgs {
  /** What is left for vitest. */
  argv: string[];
  /** Settings the arguments give (RUNBASE_SHARD, RUNBASE_SUITES), over the environment's and the file's. */
  env: Record<string, string>;
}

const SUITE_FILE = /(^|\/)suites\/([a-z0-9-]+)\.test\.ts$/;

/** Split runner arguments from vitest's. */
export function runnerArgs(argv: readonly string[]): RunnerArgs {
  const rest: string[] = [];
  const out: Record<string, string> = {};
  const families: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--shard') out.RUNBASE_SHARD = argv[++i] ?? '';
    else if (arg.startsWith('--shard=')) out.RUNBASE_SHARD = arg.slice('--shard='.length);
    else if (SUITE_FILE.test(arg)) families.push(basename(arg).replace(/\.test\.ts$/, ''));
    else rest.push(arg);
  }
  if (families.length) out.RUNBASE_SUITES = families.join(',');
  return { argv: rest, env: out };
}
