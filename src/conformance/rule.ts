// rule(id, body): one vitest test per rule id. The level, fixtures and billability come from
// contracts/rules.json; the body sends requests and hands exchanges to oracles; the verdict is
// recorded in the test's meta for the reporter and mapped to vitest's pass/fail/skip by level.
import { test, type TestContext } from 'vitest';
import fc from 'fast-check';
import { contract, ruleById, type RuleEntry } from '../contract/index.ts';
import { TargetError, type Exchange } from '../http/types.ts';
import type { Violation } from '../oracles/types.ts';
import { BudgetExhausted, Inconclusive, getSession, type RequestSpec, type Session } from './session.ts';
import { missingFixture } from './fixtures.ts';
import { recordExchange, redactText } from './redact.ts';
import type { Failure, Observation, RuleResult, Verdict } from './result.ts';
import { currentShard, inShard } from '../runner/shard.ts';
import { activity } from '../http/clock.ts';
import { runAlonePhase, withRunLock } from '../runner/concurrency.ts';

const MAX_FAILURES_KEPT = 5;

export interface RuleRun {
  readonly rule: RuleEntry;
  readonly session: Session;
  /** Send a request under this rule; paced by the scheduler unless `raw`. */
  send(spec: RequestSpec): Promise<Exchange>;
  /** Record violations found in `exchange`; returns true when there were none. */
  judge(exchange: Exchange | undefined, violations: Violation[]): boolean;
  /** Record what the target did (observe rules, and context for the others). */
  observe(label: string, value: unknown, exchange?: Exchange): void;
  note(text: string): void;
  /** Property-based: `numRuns` cases of `arb`, each judged by `check`; a failure shrinks to a minimal case. */
  forAll<T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<Violation[]>, opts?: { numRuns?: number }): Promise<void>;
  /** Count one judged case for a rule that is not a property. */
  countCase(n?: number): void;
  /** Record a failure found elsewhere (the aggregated rules judge other rules' exchanges). */
  fail(failure: Omit<Failure, 'ruleId'>): void;
}

/** Seeds per rule derive from RUNBASE_SEED, so one seed replays the whole run in any order. */
export function ruleSeed(seed: number, ruleId: string): number {
  let h = seed | 0;
  for (const ch of ruleId) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

function createRuleRun(rule: RuleEntry, session: Session, result: RuleResult): RuleRun {
  let current: Exchange[] = [];
  const failures: Failure[] = result.failures;
  const redactJson = (value: unknown) => redactText(safeJson(value), session.secrets);
  const addFailure = (f: Failure) => {
    if (failures.length < MAX_FAILURES_KEPT) failures.push(f);
    else result.notes.length < 50 && !result.notes.includes('more failures not kept') && result.notes.push('more failures not kept');
  };
  const run: RuleRun = {
    rule,
    session,
    async send(spec) {
      const exchange = await session.send(spec, rule.id);
      result.requests++;
      current.push(exchange);
      return exchange;
    },
    judge(exchange, violations) {
      for (const v of violations) addFailure({ ruleId: rule.id, ...v, ...(exchange ? { exchange: recordExchange(exchange, session.secrets) } : {}) });
      return violations.length === 0;
    },
    observe(label, value, exchange) {
      const observation: Observation = { label, value: JSON.parse(redactJson(value ?? null)) };
      if (exchange) observation.exchange = recordExchange(exchange, session.secrets);
      result.observations.push(observation);
    },
    note(text) {
      result.notes.push(text);
    },
    countCase(n = 1) {
      result.cases += n;
    },
    fail(failure) {
      addFailure({ ruleId: rule.id, ...failure });
    },
    async forAll(arb, check, opts = {}) {
      const seed = ruleSeed(session.config.seed, rule.id);
      result.seed = seed;
      // Shrinking sends requests too; past this many the smallest failure found so far stands.
      const shrinkBudget = session.embedded ? 300 : 40;
      let failing: { value: unknown; violations: Violation[]; exchange?: Exchange } | undefined;
      let shrinkRequests = 0;
      let cases = 0;
      // An error that ends the rule (target gone, budget spent, 429s) is not a counterexample:
      // it stops the property and is rethrown, so fast-check neither shrinks it nor counts it.
      let aborted: unknown;
      const details = await fc.check(
        fc.asyncProperty(arb, async (value) => {
          if (aborted !== undefined) return true;
          if (failing) {
            if (shrinkRequests >= shrinkBudget) return true;
            shrinkRequests++;
          } else {
            cases++;
          }
          current = [];
          let violations: Violation[];
          try {
            violations = await check(value);
          } catch (error) {
            if (error instanceof TargetError || error instanceof BudgetExhausted || error instanceof Inconclusive) {
              aborted = error;
              return true;
            }
            throw error;
          }
          if (violations.length === 0) return true;
          failing = { value, violations, ...(current.length ? { exchange: current[current.length - 1]! } : {}) };
          return false;
        }),
        { seed, numRuns: opts.numRuns ?? session.config.runs, endOnFailure: false },
      );
      result.cases += cases;
      if (aborted !== undefined) throw aborted;
      if (details.errorInstance && !failing) throw details.errorInstance;
      if (!failing) return;
      if (shrinkRequests >= shrinkBudget) result.notes.push(`shrinking stopped after ${shrinkBudget} requests`);
      const counterexample = redactJson(failing.value);
      for (const v of failing.violations) {
        addFailure({ ruleId: rule.id, ...v, counterexample, shrinks: details.numShrinks, ...(failing.exchange ? { exchange: recordExchange(failing.exchange, session.secrets) } : {}) });
      }
    },
  };
  return run;
}

function safeJson(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify({ bytesBase64: Buffer.from(value).toString('base64') });
  try {
    return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? { bytesBase64: Buffer.from(v).toString('base64') } : typeof v === 'bigint' ? v.toString() : v)) ?? 'undefined';
  } catch {
    return String(value);
  }
}

function verdictOf(rule: RuleEntry, result: RuleResult): Verdict {
  if (rule.level === 'observe') return 'observed';
  if (result.failures.length === 0) return 'passed';
  return rule.level === 'gate' ? 'failed' : 'warned';
}

export function formatFailures(result: RuleResult): string {
  const lines = [`${result.id} ${result.verdict === 'warned' ? 'warned' : 'failed'}: ${result.title}`];
  for (const f of result.failures) {
    lines.push(`  ✗ ${f.check}: ${f.message}`, `    expected: ${f.expected}`, `    actual:   ${f.actual}`);
    if (f.seenIn) lines.push(`    seen in:  ${f.seenIn}`);
    if (f.counterexample) lines.push(`    minimal case: ${f.counterexample.slice(0, 400)}${f.shrinks ? ` (after ${f.shrinks} shrinks)` : ''}`);
    if (f.exchange) {
      const { request: q, response: s } = f.exchange;
      lines.push(`    request:  ${q.method} ${q.url}${q.headers.authorization !== undefined ? ` (Authorization: ${q.headers.authorization})` : ' (no Authorization)'}`);
      if (q.body !== undefined) lines.push(`              body${q.bodyEncoding === 'base64' ? ' (base64)' : ''}: ${q.body.slice(0, 300)}`);
      lines.push(`    response: ${s.status} ${s.body.slice(0, 300)}`);
    }
  }
  return lines.join('\n');
}

const shard = currentShard();

export function rule(id: string, body: (r: RuleRun) => Promise<void>): void {
  const entry = ruleById(id);
  // A sharded run (RUNBASE_SHARD) registers only its own slice of the rules: src/runner/shard.ts.
  if (!inShard(entry.id, shard)) return;
  // A rule that needs the target to itself is registered after the others (src/runner/rules.entry.ts).
  if (runAlonePhase.defer(entry.id, () => rule(id, body))) return;
  test(`${entry.id}: ${entry.title}`, async (ctx: TestContext) => {
    const result: RuleResult = {
      id: entry.id, title: entry.title, family: entry.family, level: entry.level, doc: entry.doc, oracle: entry.oracle,
      verdict: 'skipped', cases: 0, requests: 0, failures: [], observations: [], notes: [],
    };
    ctx.task.meta.runbase = result;
    const session = await getSession();
    const skip = (reason: string): never => {
      result.verdict = 'skipped';
      result.skipReason = reason;
      if (session.config.requireAll) throw new Error(`${entry.id} was skipped (${reason}) and RUNBASE_REQUIRE_ALL is set`);
      return ctx.skip(`${entry.id}: ${reason}`);
    };
    const missing = missingFixture(entry, session);
    if (missing) return skip(missing);
    if (entry.billable && !session.config.allowBillable) return skip('billable: it could create a paid run; set RUNBASE_ALLOW_BILLABLE=1 to run it');
    try {
      // Counted as at work, so a virtual clock moves only when every running rule waits on it.
      // RUN_ALONE rules wait for the target to be theirs alone (src/runner/concurrency.ts).
      await withRunLock(entry.id, () => activity.during(entry.id, () => body(createRuleRun(entry, session, result))));
    } catch (error) {
      if (error instanceof BudgetExhausted) return skip(error.message);
      if (error instanceof Inconclusive) return skip(`inconclusive: ${error.message}`);
      if (error instanceof TargetError) result.targetError = error.message;
      throw error;
    }
    const events = session.scheduler.events().filter((e) => e.rule === entry.id);
    if (events.length) result.environmentEvents = events.map(({ kind, key, attempt, waitedMs }) => ({ kind, key, attempt, waitedMs }));
    result.verdict = verdictOf(entry, result);
    if (result.verdict === 'failed') throw new Error(formatFailures(result));
    if (result.verdict === 'warned') {
      if (session.config.strict) throw new Error(`${formatFailures(result)}\n(warn level; failing because RUNBASE_STRICT is set)`);
      await ctx.annotate(formatFailures(result), 'warning');
    }
  });
}

/** The model the valid requests use (RUNBASE_MODEL). */
export function configuredModel(session: Session) {
  const model = contract.models.models.find((m) => m.id === session.config.model);
  if (!model) throw new Error(`RUNBASE_MODEL ${session.config.model} is not in contracts/models.json`);
  return model;
}
