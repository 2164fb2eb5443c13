// The gate's own arguments of `runbase-conformance`: --baseline FILE, --fail-on-stale, --rule ID[,ID…],
// --last-failed, --replay CASE. The first three are settings given on the command line (RUNBASE_BASELINE,
// RUNBASE_FAIL_ON_STALE, RUNBASE_RULES), read by src/settings over the environment's; the rest goes on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceReport } from '../report/model.ts';

export class GateArgsError extends Error {
  override readonly name = 'GateArgsError';
}

export interface GateArgs {
  argv: string[];
  env: Record<string, string>;
  lastFailed: boolean;
  replay?: string;
}

const VALUED = ['--baseline', '--rule', '--replay'] as const;

export function gateArgs(argv: readonly string[]): GateArgs {
  const rest: string[] = [];
  const out: Record<string, string> = {};
  const rules: string[] = [];
  let lastFailed = false;
  let replay: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = VALUED.find((n) => arg === n || arg.startsWith(`${n}=`));
    if (name) {
      const value = arg === name ? argv[++i] : arg.slice(name.length + 1);
      if (value === undefined || value.trim() === '' || (arg === name && value.startsWith('--'))) throw new GateArgsError(`${name} needs a value`);
      if (name === '--baseline') out.RUNBASE_BASELINE = value;
      else if (name === '--rule') rules.push(value);
      else replay = value;
    } else if (arg === '--fail-on-stale') out.RUNBASE_FAIL_ON_STALE = '1';
    else if (arg === '--last-failed') lastFailed = true;
    else rest.push(arg);
  }
  if (rules.length) out.RUNBASE_RULES = rules.join(',');
  if (lastFailed && rules.length) throw new GateArgsError('--last-failed and --rule select rules both; give one');
  if (replay !== undefined && (lastFailed || rules.length)) throw new GateArgsError('--replay sends one recorded case; it takes no --rule or --last-failed');
  return { argv: rest, env: out, lastFailed, ...(replay !== undefined ? { replay } : {}) };
}

/** The last run's report in the report directory; a missing or unreadable one is an error. */
export function lastReport(reportDir: string): ConformanceReport {
  const file = join(reportDir, 'conformance.json');
  if (!existsSync(file)) throw new GateArgsError(`no last run: ${file} does not exist (run the suite once first)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport;
  } catch (error) {
    throw new GateArgsError(`${file} cannot be read as a report (${(error as Error).message})`);
  }
}

/** The rules that failed (or warned) in a report, in its order. */
export const failedRules = (report: ConformanceReport): string[] =>
  report.rules.filter((r) => r.verdict === 'failed' || r.verdict === 'warned').map((r) => r.id);
