// Merging shard reports (RUNBASE_SHARD=i/n) into one report of the whole run: the rules of every
// shard, the summary and exit code recomputed from them. Shards that cannot be one run (another
// seed, contract, settings or catalogue, a shard missing or given twice) are refused.
import { contract, ruleById } from '../contract/index.ts';
import { buildReport, REPORT_SCHEMA_VERSION, type ConformanceReport } from './model.ts';
import { allKnown } from './baseline.ts';
import { mergeBaselines } from './gate.ts';
import { EXIT } from './outcomes.ts';
import { shardLabel, shardOfRule } from '../contract/shard.ts';

export class MergeError extends Error {
  override readonly name = 'MergeError';
}

/** The one value every shard shares for `field`, or a MergeError naming the disagreement. */
function shared<T>(reports: readonly ConformanceReport[], what: string, field: (r: ConformanceReport) => T): T {
  const values = reports.map((r) => JSON.stringify(field(r)));
  const distinct = [...new Set(values)];
  if (distinct.length > 1) throw new MergeError(`the shards have different ${what}: ${distinct.join(' vs ')}`);
  return field(reports[0]!);
}

function checkShards(reports: readonly ConformanceReport[]): number {
  for (const r of reports) if (!r.shard) throw new MergeError(`a report without a shard (${r.target.apiRoot}, started ${r.startedAt}) is a whole run, not a shard`);
  const count = shared(reports, 'shard counts', (r) => r.shard!.count);
  const seen = new Set<number>();
  for (const r of reports) {
    if (seen.has(r.shard!.index)) throw new MergeError(`shard ${shardLabel(r.shard!)} is given twice`);
    seen.add(r.shard!.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new MergeError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
  return count;
}

/** Every rule of the catalogue exactly once, each from the shard that owns it. */
function checkRules(reports: readonly ConformanceReport[], count: number): void {
  const from = new Map<string, number>();
  for (const r of reports) {
    for (const rule of r.rules) {
      if (!contract.rules.rules.some((e) => e.id === rule.id)) throw new MergeError(`shard ${shardLabel(r.shard!)} has rule ${rule.id}, which is not in this checkout's contracts/rules.json`);
      if (from.has(rule.id)) throw new MergeError(`rule ${rule.id} is in shards ${from.get(rule.id)}/${count} and ${r.shard!.index}/${count}`);
      if (shardOfRule(rule.id, count) !== r.shard!.index) throw new MergeError(`rule ${rule.id} belongs to shard ${shardOfRule(rule.id, count)}/${count}, not ${shardLabel(r.shard!)}`);
      from.set(rule.id, r.shard!.index);
    }
  }
  const absent = contract.rules.rules.filter((e) => !from.has(e.id)).map((e) => e.id);
  if (absent.length) throw new MergeError(`no shard reports rule${absent.length > 1 ? 's' : ''} ${absent.join(', ')}`);
}

/** The exit code of the whole run: the worst shard's, and what the merged verdicts say on their own. */
function mergedExitCode(reports: readonly ConformanceReport[], merged: Pick<ConformanceReport, 'rules' | 'settings' | 'errors' | 'baseline'>): number {
  const worstShard = Math.max(...reports.map((r) => r.exitCode));
  // With a baseline, a rule whose every finding is known fails no gate (src/report/gate.ts).
  const rules = merged.baseline ? merged.rules.map((r) => (allKnown(r) ? { ...r, verdict: 'passed' as const } : r)) : merged.rules;
  let verdicts: number = EXIT.conforms;
  if (merged.errors.length || rules.some((r) => r.targetError)) verdicts = EXIT.error;
  else if (rules.some((r) => r.verdict === 'failed') || (merged.settings.strict && rules.some((r) => r.verdict === 'warned')) || (merged.settings.requireAll && rules.some((r) => r.verdict === 'skipped' && !ruleById(r.id).onlyOn))) verdicts = EXIT.broken;
  return Math.max(worstShard, verdicts);
}

export function mergeReports(reports: readonly ConformanceReport[]): ConformanceReport {
  if (reports.length === 0) throw new MergeError('no shard reports given');
  const schema = shared(reports, 'report schema versions', (r) => r.schemaVersion);
  if (schema !== REPORT_SCHEMA_VERSION) throw new MergeError(`the shards' report schema ${schema} is not this checkout's ${REPORT_SCHEMA_VERSION}`);
  const seed = shared(reports, 'seeds', (r) => r.seed);
  const contractVersion = shared(reports, 'contract versions', (r) => r.contractVersion);
  if (contractVersion !== contract.version) throw new MergeError(`the shards ran contract ${contractVersion}, this checkout has ${contract.version}: merge with the checkout that ran them`);
  const settings = shared(reports, 'settings', (r) => r.settings);
  const embedded = shared(reports, 'targets (embedded emulator or not)', (r) => r.target.embedded);
  // Each embedded shard had its own emulator on its own port; real shards judged one target.
  const roots = [...new Set(reports.map((r) => r.target.apiRoot))];
  if (!embedded && roots.length > 1) throw new MergeError(`the shards judged different targets: ${roots.join(' vs ')}`);
  const count = checkShards(reports);
  checkRules(reports, count);
  const ordered = [...reports].sort((a, b) => a.shard!.index - b.shard!.index);
  const errors = ordered.flatMap((r) => r.errors.map((e) => `shard ${shardLabel(r.shard!)}: ${e}`));
  const rules = ordered.flatMap((r) => r.rules);
  const baseline = mergeBaselines(ordered.map((r) => r.baseline));
  return buildReport({
    target: { apiRoot: roots.length === 1 ? roots[0]! : `${roots.length} embedded emulators, one per shard`, embedded },
    seed,
    startedAt: ordered.map((r) => r.startedAt).sort()[0]!,
    finishedAt: ordered.map((r) => r.finishedAt).sort().at(-1)!,
    requests: ordered.reduce((n, r) => n + r.requests, 0),
    exitCode: mergedExitCode(ordered, { rules, settings, errors, ...(baseline ? { baseline } : {}) }),
    settings,
    environmentEvents: ordered.flatMap((r) => r.environmentEvents),
    errors,
    rules,
    ...(baseline ? { baseline } : {}),
    mergedFrom: ordered.map((r) => ({ shard: r.shard!, startedAt: r.startedAt, finishedAt: r.finishedAt, requests: r.requests, exitCode: r.exitCode })),
  });
}
