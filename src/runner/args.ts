// Arguments of `npm test -- …` that belong to the runner rather than to vitest: `--shard=i/n`
// (vitest's own --shard splits by file; ours splits by rule, see src/contract/shard.ts), suites by name
// (`auth`, as --help shows) or file (`suites/limits.test.ts`: the conformance project has one entry
// file, so a vitest file filter would select nothing; suites become families), and `-t PATTERN`.
// They are settings given on the command line; src/settings reads them over the environment's.
import { basename } from 'node:path';
import { ConfigError } from '../settings/index.ts';

const PATTERN_OPTIONS = ['-t', '--testNamePattern'];

export interface RunnerArgs {
  /** `-t PATTERN`: only the rules whose name matches (vitest's testNamePattern). */
  testNamePattern?: string;
  /** Settings the arguments give (RUNBASE_SHARD, RUNBASE_SUITES), over the environment's and the file's. */
  env: Record<string, string>;
}

const SUITE_FILE = /(^|\/)suites\/([a-z0-9-]+)\.test\.ts$/;

/** The run's arguments; a ConfigError for an option it does not know or a -t without a pattern
 * (the settings refuse a suite name with no suite). */
export function runnerArgs(argv: readonly string[]): RunnerArgs {
  let testNamePattern: string | undefined;
  const out: Record<string, string> = {};
  const families: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--shard') out.RUNBASE_SHARD = argv[++i] ?? '';
    else if (arg.startsWith('--shard=')) out.RUNBASE_SHARD = arg.slice('--shard='.length);
    else if (PATTERN_OPTIONS.includes(arg)) testNamePattern = argv[++i] ?? '';
    else if (arg.startsWith('--testNamePattern=')) testNamePattern = arg.slice('--testNamePattern='.length);
    else if (SUITE_FILE.test(arg)) families.push(basename(arg).replace(/\.test\.ts$/, ''));
    // Any other word is a suite name: an unknown one is refused with the settings, never passed on to select nothing.
    else if (!arg.startsWith('-')) families.push(arg);
    // vitest would take an option it does not know as a file filter, and select nothing.
    else throw new ConfigError(`unknown option ${arg}; see --help`);
  }
  if (testNamePattern !== undefined && !testNamePattern.trim()) throw new ConfigError('-t needs a pattern (a rule id, e.g. -t AUTH-DISABLED)');
  if (families.length) out.RUNBASE_SUITES = families.join(',');
  return { env: out, ...(testNamePattern !== undefined ? { testNamePattern } : {}) };
}
