// The conformance report: one document, built once from the rule verdicts, written in every format.
// Schema of conformance.json: docs/report-schema.md. Bump REPORT_SCHEMA_VERSION on any change to it.
import { contract } from '../contract/index.ts';
import type { RuleResult, Verdict } from '../verdicts/result.ts';
import { inShard, type Shard } from '../contract/shard.ts';
import { inSelection } from '../contract/rule-selection.ts';
import { identify } from '../verdicts/fingerprint.ts';
import type { GateVerdict } from './gate.ts';
import type { PacingSummary } from './pacing.ts';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportTarget { apiRoot: string; embedded: boolean }

export interface EnvironmentEvent { kind: string; key: string; attempt?: number; waitedMs?: number; at?: number; rule?: string }

export interface ConformanceReport {
  schemaVersion: number;
  /** This run's id (also in the report directory's lock file while it runs). */
  runId?: string;
  /** Set when a signal ended the run: the rules are those judged before it. */
  interrupted?: { signal: string };
  target: ReportTarget;
  contractVersion: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  requests: number;
  /** Exchanges no rule judged against what they were sent to provoke (sum of the rules' `unjudged`); a gate run requires 0. */
  unjudged: number;
  exitCode: number;
  outcome: 'conforms' | 'broken' | 'error' | 'interrupted';
  settings: { runs: number; strict: boolean; requireAll: boolean; allowBillable: boolean };
  summary: Record<Verdict, number>;
  environmentEvents: EnvironmentEvent[];
  errors: string[];
  rules: RuleResult[];
  /** Set when this run was one shard of a split run (RUNBASE_SHARD); `rules` then holds its slice only. */
  shard?: Shard;
  /** A real-clock run's time against its rate-limit floor, and estimates at other key counts (src/report/pacing.ts). */
  pacing?: PacingSummary;
  /** Set on a report merged from shard reports (npm run report:merge). */
  mergedFrom?: { shard: Shard; startedAt: string; finishedAt: string; requests: number; exitCode: number }[];
  /** Set when the run selected rules (RUNBASE_RULES, --rule, --last-failed); `rules` then holds those only. */
  selection?: string[];
  /** Set when the run had a baseline (RUNBASE_BASELINE, --baseline): known, new and stale findings. */
  baseline?: GateVerdict;
}

const VERDICTS: Verdict[] = ['passed', 'failed', 'warned', 'skipped', 'observed'];

/** Rules in catalogue order; a catalogue rule with no result (filtered out, crashed) shows as skipped. */
export function orderRules(results: RuleResult[], shard?: Shard, selection?: string[], notRun = 'not run in this invocation'): RuleResult[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  const ordered = contract.rules.rules.filter((entry) => inShard(entry.id, shard) && inSelection(entry.id, selection)).map((entry) => byId.get(entry.id) ?? {
    id: entry.id, title: entry.title, family: entry.family, level: entry.level, doc: entry.doc, oracle: entry.oracle,
    verdict: 'skipped' as const, skipReason: notRun, cases: 0, requests: 0, failures: [], observations: [], notes: [],
  });
  const extra = results.filter((r) => !contract.rules.rules.some((e) => e.id === r.id));
  return [...ordered, ...extra];
}

export function buildReport(input: Omit<ConformanceReport, 'schemaVersion' | 'contractVersion' | 'summary' | 'outcome' | 'rules' | 'unjudged'> & { rules: RuleResult[] }): ConformanceReport {
  // Failures of a report from before fingerprints get theirs here (identify keeps those set).
  const rules = orderRules(input.rules, input.shard, input.selection, input.interrupted ? `not run: the run was interrupted (${input.interrupted.signal})` : undefined).map((r) => ({ ...r, failures: r.failures.map(identify) }));
  const unjudged = rules.reduce((n, r) => n + (r.unjudged ?? 0), 0);
  const summary = Object.fromEntries(VERDICTS.map((v) => [v, rules.filter((r) => r.verdict === v).length])) as Record<Verdict, number>;
  const outcome = input.interrupted ? 'interrupted' : input.exitCode === 0 ? 'conforms' : input.exitCode === 1 ? 'broken' : 'error';
  return { schemaVersion: REPORT_SCHEMA_VERSION, contractVersion: contract.version, ...input, unjudged, summary, outcome, rules };
}
