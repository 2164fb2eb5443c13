// Arguments of `npm test -- …` that belong to the runner rather than to vitest: `--shard=i/n`
// (vitest's own --shard splits by file; ours splits by rule, see shard.ts) and suites, by name
// (`auth`, as --help shows) or file (`suites/limits.test.ts`): the conformance project has one entry
// file, so a vitest file filter would select nothing; suites become families (RUNBASE_SUITES).
import { basename } from 'node:path';
import { parseShard } from './shard.ts';
import { ruleConcurrency } from './concurrency.ts';
import { readDotenv } from '../config.ts';
import { SelectionError, selectedFamilies } from './families.ts';

const PATTERN_OPTIONS = ['-t', '--testNamePattern'];

/** The runner's own settings; like every setting they may come from the settings file (.env). */
const RUNNER_SETTINGS = ['RUNBASE_SHARD', 'RUNBASE_CONCURRENCY', 'RUNBASE_PROGRESS', 'RUNBASE_SUITES'] as const;

export interface RunnerArgs {
  /** `-t PATTERN`: only the rules whose name matches (vitest's testNamePattern). */
  testNamePattern?: string;
  /** Settings for the run's environment (RUNBASE_SHARD, RUNBASE_SUITES). */
  env: Record<string, string>;
}

const SUITE_FILE = /(^|\/)suites\/([a-z0-9-]+)\.test\.ts$/;

/** The run's arguments; throws ShardError/ConcurrencyError/SelectionError on a bad one. */
export function runnerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RunnerArgs {
  let testNamePattern: string | undefined;
  const out: Record<string, string> = {};
  // The environment wins over the settings file, as for every other setting (src/config.ts).
  const file = readDotenv(env.RUNBASE_ENV_FILE ?? '.env', env.RUNBASE_ENV_FILE !== undefined);
  for (const name of RUNNER_SETTINGS) if (env[name] === undefined && file[name] !== undefined) out[name] = file[name];
  const families: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--shard') out.RUNBASE_SHARD = argv[++i] ?? '';
    else if (arg.startsWith('--shard=')) out.RUNBASE_SHARD = arg.slice('--shard='.length);
    else if (PATTERN_OPTIONS.includes(arg)) testNamePattern = argv[++i] ?? '';
    else if (arg.startsWith('--testNamePattern=')) testNamePattern = arg.slice('--testNamePattern='.length);
    else if (SUITE_FILE.test(arg)) families.push(basename(arg).replace(/\.test\.ts$/, ''));
    // Any other word is a suite name: an unknown one is refused below, never passed on to select nothing.
    else if (!arg.startsWith('-')) families.push(arg);
    // vitest would take an option it does not know as a file filter, and select nothing.
    else throw new SelectionError(`unknown option ${arg}; see --help`);
  }
  if (testNamePattern !== undefined && !testNamePattern.trim()) throw new SelectionError('-t needs a pattern (a rule id, e.g. -t AUTH-DISABLED)');
  if (families.length) out.RUNBASE_SUITES = families.join(',');
  selectedFamilies(out.RUNBASE_SUITES ?? env.RUNBASE_SUITES);
  // Validate before any request: a bad shard or concurrency is a configuration error (exit 2).
  parseShard(out.RUNBASE_SHARD ?? env.RUNBASE_SHARD);
  ruleConcurrency({ ...env, ...out });
  return { env: out, ...(testNamePattern !== undefined ? { testNamePattern } : {}) };
}
