// The baseline of accepted findings (conformance-baseline.json, committed by the team): a failure
// whose fingerprint is in it is known (reported, does not fail the gate); one that is not is new; an
// entry whose rule ran and did not reproduce it is stale; an entry past its `expires` date counts as
// absent, so its failure is new again. The file is made for one contract version.
import { readFileSync, writeFileSync } from 'node:fs';
import { contract } from '../contract/index.ts';
import type { Failure, RuleResult } from '../verdicts/result.ts';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  rule: string;
  fingerprint: string;
  /** Why the team accepts it (required: an entry without one is a malformed file). */
  reason: string;
  /** YYYY-MM-DD, the last day the entry holds. */
  expires?: string;
  /** What is wrong, as the report worded it (for the reader; not used to match). */
  finding?: string;
}

export interface Baseline {
  baselineVersion: number;
  contractVersion: string;
  entries: BaselineEntry[];
}

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const FINGERPRINT = /^[0-9a-f]{12}$/;

/** A baseline document checked field by field; throws BaselineError naming what is wrong. */
export function parseBaseline(text: string, where: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`${where} is not JSON (${(error as Error).message})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc)) throw new BaselineError(`${where} must be a JSON object`);
  if (doc.baselineVersion !== BASELINE_VERSION) throw new BaselineError(`${where}: baselineVersion must be ${BASELINE_VERSION}`);
  if (typeof doc.contractVersion !== 'string') throw new BaselineError(`${where}: contractVersion is missing`);
  if (doc.contractVersion !== contract.version) {
    throw new BaselineError(`${where} was made for contract ${doc.contractVersion}, this suite checks contract ${contract.version}: re-run against the target and rebuild it with 'baseline add'`);
  }
  if (!Array.isArray(doc.entries)) throw new BaselineError(`${where}: entries must be an array`);
  const ruleIds = new Set(contract.rules.rules.map((r) => r.id));
  const entries = doc.entries.map((e, i): BaselineEntry => {
    const at = `${where}: entries[${i}]`;
    if (!isObject(e)) throw new BaselineError(`${at} must be an object`);
    if (typeof e.rule !== 'string' || !ruleIds.has(e.rule)) throw new BaselineError(`${at}.rule ${JSON.stringify(e.rule)} is not a rule of contracts/rules.json`);
    if (typeof e.fingerprint !== 'string' || !FINGERPRINT.test(e.fingerprint)) throw new BaselineError(`${at}.fingerprint must be 12 hex digits (from conformance.json)`);
    if (typeof e.reason !== 'string' || e.reason.trim() === '') throw new BaselineError(`${at}.reason is required: say why the finding is accepted`);
    if (e.expires !== undefined && (typeof e.expires !== 'string' || !DATE.test(e.expires) || Number.isNaN(Date.parse(e.expires)))) {
      throw new BaselineError(`${at}.expires must be a date YYYY-MM-DD`);
    }
    return { rule: e.rule, fingerprint: e.fingerprint, reason: e.reason, ...(e.expires ? { expires: e.expires as string } : {}), ...(typeof e.finding === 'string' ? { finding: e.finding } : {}) };
  });
  return { baselineVersion: BASELINE_VERSION, contractVersion: doc.contractVersion, entries };
}

export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BaselineError(`the baseline ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseBaseline(text, `the baseline ${path}`);
}

export function writeBaseline(path: string, baseline: Baseline): void {
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Past its last day (UTC). */
export const isExpired = (entry: BaselineEntry, today: string): boolean => entry.expires !== undefined && entry.expires < today;

export const todayUtc = (now = new Date()): string => now.toISOString().slice(0, 10);

export interface BaselineVerdict {
  /** The baseline file, as the run named it. */
  file: string;
  known: number;
  new: number;
  /** Entries whose rule ran and did not reproduce them: delete them (`baseline prune`). */
  stale: BaselineEntry[];
  /** Entries past their date whose failure came back: it counts as new. */
  expired: BaselineEntry[];
  /** Entries whose rule did not run (another shard, a --rule selection, skipped): not judged. */
  unchecked: BaselineEntry[];
}

const RAN: RuleResult['verdict'][] = ['passed', 'failed', 'warned'];
const key = (rule: string, fingerprint: string) => `${rule}\n${fingerprint}`;

/**
 * Marks each failure known, new or expired, and judges the entries. Only rules that ran count for
 * staleness: a rule filtered out, in another shard or skipped says nothing about its entries.
 */
export function applyBaseline(rules: RuleResult[], baseline: Baseline, file: string, today = todayUtc()): BaselineVerdict {
  const live = new Map(baseline.entries.filter((e) => !isExpired(e, today)).map((e) => [key(e.rule, e.fingerprint), e]));
  const dead = new Map(baseline.entries.filter((e) => isExpired(e, today)).map((e) => [key(e.rule, e.fingerprint), e]));
  const seen = new Set<string>();
  const expired = new Set<BaselineEntry>();
  let known = 0;
  let fresh = 0;
  for (const rule of rules) {
    if (rule.verdict !== 'failed' && rule.verdict !== 'warned') continue;
    for (const f of rule.failures) {
      const k = key(f.ruleId, f.fingerprint ?? '');
      seen.add(k);
      const status: Failure['baseline'] = live.has(k) ? 'known' : dead.has(k) ? 'expired' : 'new';
      f.baseline = status;
      if (status === 'known') known++;
      else fresh++;
      if (status === 'expired') expired.add(dead.get(k)!);
    }
  }
  const ran = new Set(rules.filter((r) => RAN.includes(r.verdict)).map((r) => r.id));
  // An expired entry that no longer reproduces is stale too: there is nothing left to accept.
  const stale = baseline.entries.filter((e) => ran.has(e.rule) && !seen.has(key(e.rule, e.fingerprint)));
  const unchecked = [...live.values()].filter((e) => !ran.has(e.rule));
  return { file, known, new: fresh, stale, expired: [...expired], unchecked };
}

/** A rule whose every failure is known does not fail the gate. */
export const allKnown = (rule: RuleResult): boolean => rule.failures.length > 0 && rule.failures.every((f) => f.baseline === 'known');

/** One line for the console and the summaries. */
export function baselineLine(v: BaselineVerdict): string {
  return `baseline ${v.file}: ${v.new} new, ${v.known} known, ${v.stale.length} stale${v.expired.length ? `, ${v.expired.length} expired` : ''}${v.unchecked.length ? ` (${v.unchecked.length} entries not checked: their rules did not run)` : ''}`;
}

/** Entries for the failures of a report (deduplicated, and not already in `into`). */
export function entriesFrom(rules: RuleResult[], reason: string, expires: string | undefined, into: BaselineEntry[] = []): BaselineEntry[] {
  const have = new Set(into.map((e) => key(e.rule, e.fingerprint)));
  const out: BaselineEntry[] = [];
  for (const rule of rules) {
    if (rule.verdict !== 'failed' && rule.verdict !== 'warned') continue;
    for (const f of rule.failures) {
      if (!f.fingerprint) continue;
      const k = key(f.ruleId, f.fingerprint);
      if (have.has(k)) continue;
      have.add(k);
      out.push({ rule: f.ruleId, fingerprint: f.fingerprint, reason, ...(expires ? { expires } : {}), ...(f.finding ? { finding: f.finding } : {}) });
    }
  }
  return out;
}
