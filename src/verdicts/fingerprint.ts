// Stable finding identity. A failure's fingerprint is built from what is wrong — the rule, the check
// that found it, the documented fact it expected and the shape of what came instead — never from the
// random request that showed it: ids, keys, timestamps, large numbers and random tokens are
// normalised away, and the message (which names the generated case) is left out. So one bug gives one
// fingerprint under any seed, RUNBASE_RUNS or shard; two bugs on one rule give two.
import { createHash } from 'node:crypto';
import { contract } from '../contract/index.ts';
import type { Failure } from './result.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One named normalisation step each: what varies from request to request, and what stands for it. */
const NORMALISE: [name: string, pattern: RegExp, replacement: string][] = [
  ['iso-time', /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g, '<time>'],
  ['uuid', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // An id's tail is long and has no underscore, so codes that share the prefix (run_not_found) stay.
  ['run-id', new RegExp(`${escape(contract.limits.runs.idPrefix)}[A-Za-z0-9]{8,}`, 'g'), '<run-id>'],
  ['key', new RegExp(`${escape(contract.limits.keys.prefix)}[A-Za-z0-9_-]{8,}`, 'g'), '<key>'],
  ['ip', /\b\d{1,3}(\.\d{1,3}){3}\b|\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\b/gi, '<ip>'],
  ['random-token', /\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{12,}\b/g, '<token>'],
  ['large-number', /\d{5,}/g, '<n>'],
  ['space', /\s+/g, ' '],
];

/** `text` with the parts that vary between requests replaced by what they are. */
export function normaliseDetail(text: string | undefined): string {
  // A check may leave a side unsaid (a hostile answer without the field it reads): never a crash here.
  let out = text ?? '';
  for (const [, pattern, replacement] of NORMALISE) out = out.replace(pattern, replacement);
  return out.trim().slice(0, 300);
}

/** What is wrong, in words: "expected 401 invalid_api_key, got 201" (normalised). */
export function findingOf(failure: Pick<Failure, 'check' | 'expected' | 'actual'>): string {
  return `${failure.check}: expected ${normaliseDetail(failure.expected)}, got ${normaliseDetail(failure.actual)}`;
}

/** 12 hex digits of the SHA-256 of rule id and finding. */
export function fingerprintOf(failure: Pick<Failure, 'ruleId' | 'check' | 'expected' | 'actual'>): string {
  return createHash('sha256').update(`${failure.ruleId}\n${findingOf(failure)}`).digest('hex').slice(0, 12);
}

/** A failing case's id within its run's report: the rule and the failure's position (from 1). */
export const caseIdOf = (ruleId: string, index: number): string => `${ruleId}:${index + 1}`;

/** The failure with its identity: fingerprint, finding and case id (kept when already set). */
export function identify(failure: Failure, index: number): Failure {
  return {
    ...failure,
    fingerprint: failure.fingerprint ?? fingerprintOf(failure),
    finding: failure.finding ?? findingOf(failure),
    caseId: failure.caseId ?? caseIdOf(failure.ruleId, index),
  };
}

/** The installed command, as a user types it. */
export const COMMAND = 'npx runbase-conformance';

/** The commands that re-run a failure: its rule under the run's seed, and its one recorded case. */
export function rerunCommands(failure: Failure, seed: number): { rule: string; replay?: string } {
  return {
    rule: `RUNBASE_SEED=${seed} ${COMMAND} --rule ${failure.ruleId}`,
    ...(failure.exchange && failure.caseId ? { replay: `${COMMAND} --replay ${failure.caseId}` } : {}),
  };
}

/** The identity lines printed beside a failure in every report. */
export function identityLines(failure: Failure, seed: number): string[] {
  const commands = rerunCommands(failure, seed);
  const status = failure.baseline ? ` (${failure.baseline === 'known' ? 'known: in the baseline' : failure.baseline === 'expired' ? 'baseline entry expired: counts as new' : 'new'})` : '';
  return [
    `fingerprint: ${failure.fingerprint ?? fingerprintOf(failure)}${status}`,
    `re-run: ${commands.rule}`,
    ...(commands.replay ? [`replay: ${commands.replay}`] : []),
  ];
}
