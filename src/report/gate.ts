// The gate with a baseline: known failures are reported but do not fail it; new ones (and those of
// expired entries) do; stale entries fail it only with --fail-on-stale. Without a baseline nothing
// changes. RUNBASE_STRICT and RUNBASE_REQUIRE_ALL keep their meaning: a strict warning or a required
// skip fails as before unless every finding in it is known (a skip has none).
import type { RuleResult } from '../verdicts/result.ts';
import { EXIT, type RuleOutcome } from './outcomes.ts';
import { allKnown, applyBaseline, baselineLine, type Baseline, type BaselineVerdict } from './baseline.ts';
import type { ConformanceReport } from './model.ts';

export interface RunBaseline {
  /** The file as the run named it. */
  file: string;
  doc: Baseline;
  failOnStale: boolean;
  /** YYYY-MM-DD (UTC) the expiry dates are compared with. */
  today?: string;
}

export interface GateVerdict extends BaselineVerdict { failOnStale: boolean }

/** Marks one rule's failures against the baseline; true when all of them are known. */
export function markKnown(result: RuleResult, baseline: RunBaseline): boolean {
  if (result.verdict !== 'failed' && result.verdict !== 'warned') return false;
  applyBaseline([result], baseline.doc, baseline.file, baseline.today);
  return allKnown(result);
}

/** The outcomes the exit code is computed from, the baseline verdict, and the stale rule on top. */
export function gateOutcomes(outcomes: RuleOutcome[], results: RuleResult[], baseline: RunBaseline | undefined): {
  outcomes: RuleOutcome[]; verdict?: GateVerdict; exitCode: (code: number) => number;
} {
  if (!baseline) return { outcomes, exitCode: (code) => code };
  const verdict: GateVerdict = { ...applyBaseline(results, baseline.doc, baseline.file, baseline.today), failOnStale: baseline.failOnStale };
  const gated = outcomes.map((o) => (o.state === 'failed' && o.result && !o.result.targetError && allKnown(o.result) ? { ...o, state: 'passed' } : o));
  const exitCode = (code: number) => (code === EXIT.conforms && baseline.failOnStale && verdict.stale.length > 0 ? EXIT.broken : code);
  return { outcomes: gated, verdict, exitCode };
}

const gating = (r: RuleResult) => r.verdict === 'failed' || r.verdict === 'warned';

/** The rules with a new finding, and those whose every finding is known. */
export function splitByBaseline(report: ConformanceReport): { fresh: RuleResult[]; known: RuleResult[] } {
  const rules = report.rules.filter(gating);
  return { fresh: rules.filter((r) => !allKnown(r)), known: rules.filter(allKnown) };
}

/** Console lines: the baseline count, then new, known and stale separately. */
export function baselineSummaryLines(report: ConformanceReport): string[] {
  const v = report.baseline!;
  const { fresh, known } = splitByBaseline(report);
  const lines = [baselineLine(v)];
  for (const r of fresh.filter((r) => r.verdict === 'failed')) lines.push(`  ✗ ${r.id}  ${r.title}  (new: ${newFingerprints(r).join(', ')})`);
  for (const r of known) lines.push(`  ≈ ${r.id}  ${r.title}  (known: ${r.failures.map((f) => f.fingerprint).join(', ')})`);
  for (const e of v.stale) lines.push(`  ~ stale ${e.rule} ${e.fingerprint}: no longer reproduced; 'npx runbase-conformance baseline prune' drops it${v.failOnStale ? ' (fails: --fail-on-stale)' : ''}`);
  for (const e of v.expired) lines.push(`  ✗ expired ${e.rule} ${e.fingerprint}: the entry ran out on ${e.expires}; its failure counts as new`);
  return lines;
}

export const newFingerprints = (r: RuleResult): string[] => [...new Set(r.failures.filter((f) => f.baseline !== 'known').map((f) => f.fingerprint ?? '?'))];

const entryKey = (e: { rule: string; fingerprint: string }) => `${e.rule}\n${e.fingerprint}`;

/**
 * The baseline verdict of a run merged from shards: counts added, stale and expired entries joined
 * (each shard judged only its own rules), unchecked the entries no shard could judge. Undefined
 * unless every shard ran with the same baseline file.
 */
export function mergeBaselines(verdicts: (GateVerdict | undefined)[]): GateVerdict | undefined {
  if (verdicts.length === 0 || verdicts.some((v) => v === undefined)) return undefined;
  const all = verdicts as GateVerdict[];
  if (new Set(all.map((v) => v.file)).size > 1 || new Set(all.map((v) => v.failOnStale)).size > 1) return undefined;
  const judged = new Set(all.flatMap((v) => [...v.stale, ...v.expired]).map(entryKey));
  const uncheckedEverywhere = all[0]!.unchecked.filter((e) => all.every((v) => v.unchecked.some((u) => entryKey(u) === entryKey(e))) && !judged.has(entryKey(e)));
  return {
    file: all[0]!.file, failOnStale: all[0]!.failOnStale,
    known: all.reduce((n, v) => n + v.known, 0), new: all.reduce((n, v) => n + v.new, 0),
    stale: all.flatMap((v) => v.stale), expired: all.flatMap((v) => v.expired), unchecked: uncheckedEverywhere,
  };
}
