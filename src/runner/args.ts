// Arguments of `npm test -- …` that belong to the runner rather than to vitest: `--shard=i/n`
// (vitest's own --shard splits by file; ours splits by rule, see shard.ts) and suite files
// (`suites/limits.test.ts`: the conformance project has one entry file, so files become families).
import { basename } from 'node:path';
import { parseShard } from './shard.ts';
import { ruleConcurrency } from './concurrency.ts';
import { readDotenv } from '../config.ts';
import { parseRuleSelection } from './select.ts';

/** The runner's own settings; like every setting they may come from the settings file (.env). */
const RUNNER_SETTINGS = ['RUNBASE_SHARD', 'RUNBASE_CONCURRENCY', 'RUNBASE_PROGRESS', 'RUNBASE_SUITES', 'RUNBASE_RULES'] as const;

export interface RunnerArgs {
  /** What is left for vitest. */
  argv: string[];
  /** Settings for the run's environment (RUNBASE_SHARD, RUNBASE_SUITES). */
  env: Record<string, string>;
}

const SUITE_FILE = /(^|\/)suites\/([a-z0-9-]+)\.test\.ts$/;

/** Split runner arguments from vitest's; throws ShardError/ConcurrencyError on a bad setting. */
export function runnerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RunnerArgs {
  const rest: string[] = [];
  const out: Record<string, string> = {};
  // The environment wins over the settings file, as for every other setting (src/config.ts).
  const file = readDotenv(env.RUNBASE_ENV_FILE ?? '.env', env.RUNBASE_ENV_FILE !== undefined);
  for (const name of RUNNER_SETTINGS) if (env[name] === undefined && file[name] !== undefined) out[name] = file[name];
  const families: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--shard') out.RUNBASE_SHARD = argv[++i] ?? '';
    else if (arg.startsWith('--shard=')) out.RUNBASE_SHARD = arg.slice('--shard='.length);
    else if (SUITE_FILE.test(arg)) families.push(basename(arg).replace(/\.test\.ts$/, ''));
    else rest.push(arg);
  }
  if (families.length) out.RUNBASE_SUITES = families.join(',');
  // Validate before any request: a bad shard or concurrency is a configuration error (exit 2).
  parseShard(out.RUNBASE_SHARD ?? env.RUNBASE_SHARD);
  ruleConcurrency({ ...env, ...out });
  parseRuleSelection(out.RUNBASE_RULES ?? env.RUNBASE_RULES);
  return { argv: rest, env: out };
}
