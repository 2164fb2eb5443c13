// What a rule leaves behind: one serialisable verdict record per rule, carried in the vitest task's
// `meta.runbase` to the reporter. Every exchange in it is already redacted.
import type { Level } from '../contract/index.ts';
import type {} from 'vitest'; // vitest's types loaded here, so the TaskMeta augmentation below does not depend on file order

export type Verdict = 'passed' | 'failed' | 'warned' | 'skipped' | 'observed';

/** How a rule that had nothing to judge (no 500 to look at, every case inconclusive) begins its skip reason. */
export const NOTHING_JUDGED = 'judged no case';

export interface RecordedExchange {
  request: {
    method: string; url: string; headers: Record<string, string>; body?: string; bodyBytes?: number; bodyEncoding?: 'utf8' | 'base64';
    /** The whole (redacted) body when `body` was cut; the report writer moves it to `bodyFile`. */
    fullBody?: string;
    /** Where the whole body was saved (under the report directory) when `body` was cut. */
    bodyFile?: string;
    /** The key placeholders inside that file (the curl puts their values back). */
    bodyFileVars?: string[];
  };
  response: { status: number; headers: Record<string, string>; body: string; truncated: boolean };
  durationMs: number;
}

export interface Failure {
  /** The rule the failure belongs to (an aggregated rule may report exchanges of other rules). */
  ruleId: string;
  check: string;
  message: string;
  expected: string;
  actual: string;
  exchange?: RecordedExchange;
  /** The generated value, minimal after shrinking, as JSON (redacted). */
  counterexample?: string;
  shrinks?: number;
  /** Which rule's test sent the exchange, when it is not this rule. */
  seenIn?: string;
  /** Stable identity of what is wrong (src/verdicts/fingerprint.ts): same bug, same fingerprint. */
  fingerprint?: string;
  /** What is wrong, normalised: the text the fingerprint is made from. */
  finding?: string;
  /** This failing case in this run's report (`--replay <caseId>`). */
  caseId?: string;
  /** Against the run's baseline (src/report/baseline.ts): known, new, or matching an expired entry. */
  baseline?: 'known' | 'new' | 'expired';
}

export interface Observation {
  label: string;
  value: unknown;
  exchange?: RecordedExchange;
}

export interface RuleResult {
  id: string;
  title: string;
  family: string;
  level: Level;
  doc: string;
  oracle: string;
  verdict: Verdict;
  skipReason?: string;
  /** Exchanges (or generated cases) this rule judged: inconclusive ones are not counted here. */
  cases: number;
  /** Cases that could not be judged (the target kept throttling in a way the run could explain). */
  inconclusive?: number;
  requests: number;
  seed?: number;
  failures: Failure[];
  observations: Observation[];
  notes: string[];
  /** Set when the rule ran only part of its cases: what ran, and what the rest needs ("GET only; POST needs …"). */
  partial?: string;
  /** 429s met outside the rate-limit rules and retried (keys as labels). */
  environmentEvents?: { kind: string; key: string; attempt: number; waitedMs: number }[];
  /** Requests the target admitted (not 429) per key label, and the key time its leases kept idle (src/report/pacing.ts). */
  admitted?: Record<string, number>;
  leaseIdleMs?: number;
  /** Key time its leases with idle time held, from the key's last send before to the release. */
  leaseMs?: number;
  /** Wall time of the rule's test, including its waits on the scheduler (ms). */
  durationMs?: number;
  /** Exchanges this rule sent and never judged against what they were sent to provoke (a gate run requires none). */
  unjudged?: number;
  /** The first few of them: `METHOD url → status body…` (redacted). */
  unjudgedExchanges?: string[];
  /** Set when the target could not be talked to; maps to exit code 2. */
  targetError?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    runbase?: RuleResult;
  }
}
