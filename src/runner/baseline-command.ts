// `runbase-conformance baseline add|prune`: writes the baseline of accepted findings from a report.
// add: every failure of the report not yet in the baseline, with the reason (required) and an
// optional expiry date. prune: drops the entries the report found stale (their rules ran and did
// not reproduce them). Exit 0 done, 2 on a bad argument, report or baseline.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contract } from '../contract/index.ts';
import { ConfigError, baselineSettings } from '../settings/index.ts';
import { BASELINE_VERSION, BaselineError, entriesFrom, readBaseline, writeBaseline, type Baseline } from '../report/baseline.ts';
import type { ConformanceReport } from '../report/model.ts';
import { EXIT } from '../report/outcomes.ts';

const HELP = `Usage: runbase-conformance baseline add --from reports/conformance.json --reason "…" [--expires YYYY-MM-DD] [--baseline FILE]
       runbase-conformance baseline prune [--from reports/conformance.json] [--baseline FILE]

add:   every failure in the report that the baseline lacks becomes an entry (rule, fingerprint, reason,
       expires); a run with the baseline then reports them as known and does not fail on them.
prune: drops the entries the report (a run with the baseline) found stale: no longer reproduced.
FILE defaults to RUNBASE_BASELINE, else ./conformance-baseline.json. See docs/baseline.md.`;

class UsageError extends Error {}

function readReport(file: string): ConformanceReport {
  if (!existsSync(file)) throw new UsageError(`--from ${file}: no such report (run the suite first)`);
  let report: ConformanceReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport;
  } catch (error) {
    throw new UsageError(`--from ${file} is not a conformance.json (${(error as Error).message})`);
  }
  if (!Array.isArray(report.rules)) throw new UsageError(`--from ${file} is not a conformance.json (no rules)`);
  if (report.contractVersion !== contract.version) throw new UsageError(`--from ${file} was made for contract ${report.contractVersion}, this suite checks ${contract.version}: run the suite again`);
  return report;
}

function add(report: ConformanceReport, file: string, reason: string | undefined, expires: string | undefined): number {
  if (!reason?.trim()) throw new UsageError('--reason is required: say why the findings are accepted');
  if (expires !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires)))) throw new UsageError('--expires must be a date YYYY-MM-DD');
  const baseline: Baseline = existsSync(file) ? readBaseline(file) : { baselineVersion: BASELINE_VERSION, contractVersion: contract.version, entries: [] };
  const added = entriesFrom(report.rules, reason.trim(), expires, baseline.entries);
  baseline.entries.push(...added);
  writeBaseline(file, baseline);
  console.log(`baseline ${file}: ${added.length} entr${added.length === 1 ? 'y' : 'ies'} added, ${baseline.entries.length} in all`);
  for (const e of added) console.log(`  + ${e.rule} ${e.fingerprint} ${e.finding ?? ''}`);
  return EXIT.conforms;
}

function prune(report: ConformanceReport, file: string): number {
  if (!existsSync(file)) throw new UsageError(`no baseline at ${file}`);
  if (!report.baseline) throw new UsageError('the report is of a run without a baseline, so it judged no entry stale: run the suite with the baseline first');
  const baseline = readBaseline(file);
  const stale = new Set(report.baseline.stale.map((e) => `${e.rule}\n${e.fingerprint}`));
  const kept = baseline.entries.filter((e) => !stale.has(`${e.rule}\n${e.fingerprint}`));
  const dropped = baseline.entries.filter((e) => stale.has(`${e.rule}\n${e.fingerprint}`));
  writeBaseline(file, { ...baseline, entries: kept });
  console.log(`baseline ${file}: ${dropped.length} stale entr${dropped.length === 1 ? 'y' : 'ies'} dropped, ${kept.length} kept`);
  for (const e of dropped) console.log(`  - ${e.rule} ${e.fingerprint} ${e.finding ?? ''}`);
  return EXIT.conforms;
}

export function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return EXIT.conforms;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {
      from: { type: 'string' }, reason: { type: 'string' }, expires: { type: 'string' }, baseline: { type: 'string' },
    } });
    const [command, ...extra] = positionals;
    if ((command !== 'add' && command !== 'prune') || extra.length) throw new UsageError(`baseline: give add or prune${command ? `, not ${[command, ...extra].join(' ')}` : ''}`);
    const settings = baselineSettings();
    const file = values.baseline ?? settings.file;
    const report = readReport(values.from ?? join(settings.reportDir, 'conformance.json'));
    if (command === 'prune' && (values.reason !== undefined || values.expires !== undefined)) throw new UsageError('prune takes no --reason or --expires');
    return command === 'add' ? add(report, file, values.reason, values.expires) : prune(report, file);
  } catch (error) {
    if (error instanceof UsageError || error instanceof BaselineError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`baseline: ${(error as Error).message}\n\n${HELP}`);
      return EXIT.error;
    }
    throw error;
  }
}
