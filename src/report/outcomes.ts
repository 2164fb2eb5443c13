// From vitest's test cases to rule outcomes and the exit code: 0 conforms, 1 broken, 2 error.
import type { TestCase } from 'vitest/node';
import type { RuleResult } from '../verdicts/result.ts';

export const EXIT = { conforms: 0, broken: 1, error: 2 } as const;

export interface RuleOutcome { name: string; state: string; errors: string[]; result?: RuleResult }

export function outcomeOf(testCase: TestCase): RuleOutcome {
  const result = testCase.result();
  const meta = testCase.meta().runbase;
  // The rule's wall time as vitest measured it (waits on the scheduler included).
  const duration = testCase.diagnostic()?.duration;
  if (meta && duration !== undefined) meta.durationMs = Math.round(duration);
  return { name: testCase.name, state: result.state, errors: (result.errors ?? []).map((e) => e.message ?? String(e)), ...(meta ? { result: meta } : {}) };
}

/** The exit code of a finished run. */
export function exitCodeFor(outcomes: readonly RuleOutcome[], runErrors: readonly string[]): number {
  if (runErrors.length > 0 || outcomes.length === 0) return EXIT.error;
  if (outcomes.some((o) => o.result?.targetError)) return EXIT.error;
  const failed = outcomes.filter((o) => o.state === 'failed');
  // A test that failed without a rule verdict broke inside the suite, not in the target; a skip
  // turned failure by RUNBASE_REQUIRE_ALL is the target's (it lacks what the rule needs).
  const suiteBroke = failed.some((o) => !o.result || (o.result.verdict === 'skipped' && !o.errors.some((e) => e.includes('RUNBASE_REQUIRE_ALL'))));
  if (suiteBroke) return EXIT.error;
  // An exchange no rule judged is a verdict the run cannot give: never "conforms".
  const unjudged = outcomes.some((o) => (o.result?.unjudged ?? 0) > 0);
  return failed.length > 0 || unjudged ? EXIT.broken : EXIT.conforms;
}
