// rule(id, body): one vitest test per rule id. The level, fixtures and billability come from
// contracts/rules.json; the body sends requests and hands exchanges to oracles; the verdict is
// recorded in the test's meta for the reporter and mapped to vitest's pass/fail/skip by level.
import { inject, test, type TestContext } from 'vitest';
import fc from 'fast-check';
import { contract, ruleById, type RuleEntry } from '../contract/index.ts';
import { TargetError, type Exchange } from '../contract/exchange.ts';
import type { Violation } from '../oracles/types.ts';
import { BudgetExhausted, Inconclusive, getSession, type RequestSpec, type Session } from './session.ts';
import { missingFixture } from './fixtures.ts';
import { recordExchange, redactText } from '../verdicts/redact.ts';
import { NOTHING_JUDGED, type Failure, type Observation, type RuleResult, type Verdict } from '../verdicts/result.ts';
import { inShard } from '../contract/shard.ts';
import { inSelection } from '../contract/rule-selection.ts';
import { activity } from '../http/clock.ts';
import { oneLine } from '../verdicts/escape.ts';
import { identify, identityLines } from '../verdicts/fingerprint.ts';

const MAX_FAILURES_KEPT = 5;
/** Inconclusive (throttled) cases a property tolerates before it stops; each costs the whole backoff. */
const MAX_INCONCLUSIVE_CASES = 3;
/** How session.send words a request refused because an earlier one found the target gone. */
const UNUSABLE_SINCE = 'target unusable since an earlier request';

/** Thrown by `RuleRun.skip`: the rule ends as skipped with this reason. */
class RuleSkipped extends Error {
  override readonly name = 'RuleSkipped';
}

export interface RuleRun {
  readonly rule: RuleEntry;
  readonly session: Session;
  /** Send a request under this rule; paced by the scheduler unless `raw`. Throws Inconclusive when
   * the target keeps throttling in a way the run's own traffic could explain. */
  send(spec: RequestSpec): Promise<Exchange>;
  /** `send`, but an inconclusive case is counted and noted, and undefined comes back. */
  trySend(spec: RequestSpec): Promise<Exchange | undefined>;
  /** Count a case that could not be judged, with why; it never erases the rule's other verdicts. */
  inconclusive(reason: string): void;
  /** End the rule as skipped, with the reason (a premise the target's setup does not meet). */
  skip(reason: string): never;
  /** Record violations found in `exchange`; returns true when there were none. The exchange (and
   * `covers`, the others the verdict was drawn from, as a burst) count as judged; with no exchange,
   * the verdict is on everything the rule sent so far (a sequence, a Pact interaction). */
  judge(exchange: Exchange | undefined, violations: Violation[], opts?: { covers?: readonly Exchange[] }): boolean;
  /** An exchange that checked a premise the rule needs (a fixture that must exist), which held: judged. */
  premise(exchange: Exchange): void;
  /** Record what the target did (observe rules, and context for the others). */
  observe(label: string, value: unknown, exchange?: Exchange): void;
  note(text: string): void;
  /** The rule runs only part of its cases: said beside its verdict wherever it is shown. */
  partly(text: string): void;
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

/** Mark what the rule's verdict covered: an exchange it judged (or observed, for an observe rule). */
function markJudged(session: Session, exchanges: readonly (Exchange | undefined)[], fate: 'judged' | 'observed' = 'judged'): void {
  for (const exchange of exchanges) {
    const entry = exchange && session.entryOf(exchange);
    if (entry && entry.fate === 'pending') entry.fate = fate;
  }
}

/** The rule's exchanges still pending: all of them are settled by `fate`. */
function settleRule(session: Session, ruleId: string, fate: 'judged' | 'observed' | 'abandoned'): void {
  for (const entry of session.log) if (entry.ruleId === ruleId && entry.fate === 'pending') entry.fate = fate;
}

function createRuleRun(rule: RuleEntry, session: Session, result: RuleResult): RuleRun {
  let current: Exchange[] = [];
  const failures: Failure[] = result.failures;
  const redactJson = (value: unknown) => redactText(safeJson(value), session.secrets);
  const addFailure = (f: Failure) => {
    if (failures.length < MAX_FAILURES_KEPT) failures.push(identify(f, failures.length));
    else result.notes.length < 50 && !result.notes.includes('more failures not kept') && result.notes.push('more failures not kept');
  };
  const run: RuleRun = {
    rule,
    session,
    async send(spec) {
      result.requests++;
      const exchange = await session.send(spec, rule.id);
      current.push(exchange);
      return exchange;
    },
    async trySend(spec) {
      try {
        return await run.send(spec);
      } catch (error) {
        if (!(error instanceof Inconclusive)) throw error;
        run.inconclusive(error.message);
        return undefined;
      }
    },
    skip(reason) {
      throw new RuleSkipped(reason);
    },
    inconclusive(reason) {
      result.inconclusive = (result.inconclusive ?? 0) + 1;
      const note = `inconclusive: ${reason}`;
      if (!result.notes.includes(note) && result.notes.length < 50) result.notes.push(note);
    },
    judge(exchange, violations, opts = {}) {
      // An observe rule is never judged: what it sent is recorded, whatever a check would say.
      if (rule.level === 'observe') {
        if (exchange) markJudged(session, [exchange, ...(opts.covers ?? [])], 'observed');
        return violations.length === 0;
      }
      if (exchange) markJudged(session, [exchange, ...(opts.covers ?? [])]);
      else settleRule(session, rule.id, 'judged');
      for (const v of violations) addFailure({ ruleId: rule.id, ...v, ...(exchange ? { exchange: recordExchange(exchange, session.secrets) } : {}) });
      return violations.length === 0;
    },
    premise(exchange) {
      markJudged(session, [exchange]);
    },
    observe(label, value, exchange) {
      const observation: Observation = { label, value: JSON.parse(redactJson(value ?? null)) };
      if (exchange) observation.exchange = recordExchange(exchange, session.secrets, { wholeBody: false });
      if (rule.level === 'observe') markJudged(session, [exchange], 'observed');
      result.observations.push(observation);
    },
    note(text) {
      result.notes.push(text);
    },
    partly(text) {
      result.partial = result.partial ? `${result.partial}; ${text}` : text;
      result.notes.push(`ran in part: ${text}`);
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
      // An error that ends the rule (target gone, budget spent) is not a counterexample: it stops
      // the property and is rethrown, so fast-check neither shrinks it nor counts it.
      let aborted: unknown;
      // A throttled case is neither passed nor failed: it is counted, and the property goes on
      // with its other cases (up to a few, since each one waited out the whole backoff).
      let inconclusiveCases = 0;
      const details = await fc.check(
        fc.asyncProperty(arb, async (value) => {
          if (aborted !== undefined || inconclusiveCases >= MAX_INCONCLUSIVE_CASES) return true;
          if (failing) {
            if (shrinkRequests >= shrinkBudget) return true;
            shrinkRequests++;
          }
          current = [];
          let violations: Violation[];
          try {
            violations = await check(value);
          } catch (error) {
            if (error instanceof Inconclusive) {
              if (!failing) { inconclusiveCases++; run.inconclusive(error.message); }
              return true;
            }
            if (error instanceof TargetError || error instanceof BudgetExhausted) {
              aborted = error;
              return true;
            }
            throw error;
          }
          // The case's verdict covers every exchange it sent.
          markJudged(session, current);
          if (!failing) cases++;
          if (violations.length === 0) return true;
          failing = { value, violations, ...(current.length ? { exchange: current[current.length - 1]! } : {}) };
          return false;
        }),
        { seed, numRuns: opts.numRuns ?? session.config.runs, endOnFailure: false },
      );
      result.cases += cases;
      if (inconclusiveCases >= MAX_INCONCLUSIVE_CASES) result.notes.push(`stopped after ${MAX_INCONCLUSIVE_CASES} inconclusive cases; ${cases} judged`);
      if (details.errorInstance && !failing && aborted === undefined) throw details.errorInstance;
      // A failure found before the property was cut short still stands, at its smallest so far.
      if (failing) {
        if (shrinkRequests >= shrinkBudget) result.notes.push(`shrinking stopped after ${shrinkBudget} requests`);
        const counterexample = redactJson(failing.value);
        for (const v of failing.violations) {
          addFailure({ ruleId: rule.id, ...v, counterexample, shrinks: details.numShrinks, ...(failing.exchange ? { exchange: recordExchange(failing.exchange, session.secrets) } : {}) });
        }
      }
      if (aborted !== undefined) throw aborted;
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

export function formatFailures(result: RuleResult, seed?: number): string {
  // Each value on one line, its control characters visible: target bytes make no line of their own.
  const lines = [`${result.id} ${result.verdict === 'warned' ? 'warned' : 'failed'}: ${result.title}`];
  for (const f of result.failures) {
    lines.push(`  ✗ ${f.check}: ${oneLine(f.message)}`, `    expected: ${oneLine(f.expected)}`, `    actual:   ${oneLine(f.actual)}`);
    if (seed !== undefined) lines.push(...identityLines(f, seed).map((l) => `    ${l}`));
    if (f.seenIn) lines.push(`    seen in:  ${f.seenIn}`);
    if (f.counterexample) lines.push(`    minimal case: ${oneLine(f.counterexample.slice(0, 400))}${f.shrinks ? ` (after ${f.shrinks} shrinks)` : ''}`);
    if (f.exchange) {
      const { request: q, response: s } = f.exchange;
      // Every header the suite generated (X-Forwarded-For, Content-Type, …), not Authorization alone.
      lines.push(`    request:  ${q.method} ${oneLine(q.url)}${q.headers.authorization === undefined ? ' (no Authorization)' : ''}`);
      for (const [name, value] of Object.entries(q.headers)) lines.push(`              ${name}: ${oneLine(value)}`);
      if (q.body !== undefined) lines.push(`              body${q.bodyEncoding === 'base64' ? ' (base64)' : ''} (${q.bodyBytes ?? q.body.length} bytes${q.bodyFile ? `, whole in ${q.bodyFile}` : ''}): ${oneLine(q.body.slice(0, 300))}`);
      lines.push(`    response: ${s.status} ${oneLine(s.body.slice(0, 300))}`);
    }
  }
  return lines.join('\n');
}

/** How many of its exchanges the rule left unjudged, and which (at most a few, redacted). */
function noteUnjudged(session: Session, result: RuleResult): void {
  const pending = session.log.filter((e) => e.ruleId === result.id && e.fate === 'pending');
  if (pending.length === 0) return;
  result.unjudged = pending.length;
  result.unjudgedExchanges = pending.slice(0, MAX_FAILURES_KEPT).map(({ exchange: { request, response } }) =>
    redactText(`${request.method} ${request.url} → ${response.status} ${oneLine(response.bodyText.slice(0, 80))}`, session.secrets));
}

// The run's settings, as the global setup provided them (none outside a conformance run).
const shard = inject('runbase')?.config.shard;
const selection = inject('runbase')?.config.rules;

export function rule(id: string, body: (r: RuleRun) => Promise<void>): void {
  const entry = ruleById(id);
  // A sharded run (RUNBASE_SHARD) registers only its own slice of the rules: src/contract/shard.ts.
  if (!inShard(entry.id, shard)) return;
  // A targeted run (RUNBASE_RULES, --rule) registers only the rules it names: src/contract/rule-selection.ts.
  if (!inSelection(entry.id, selection)) return;
  test(`${entry.id}: ${entry.title}`, async (ctx: TestContext) => {
    const result: RuleResult = {
      id: entry.id, title: entry.title, family: entry.family, level: entry.level, doc: entry.doc, oracle: entry.oracle,
      verdict: 'skipped', cases: 0, requests: 0, failures: [], observations: [], notes: [],
    };
    ctx.task.meta.runbase = result;
    const session = await getSession();
    const skip = (reason: string, required = session.config.requireAll): never => {
      result.verdict = 'skipped';
      result.skipReason = reason;
      if (required) throw new Error(`${entry.id} was skipped (${reason}) and RUNBASE_REQUIRE_ALL is set`);
      return ctx.skip(`${entry.id}: ${reason}`);
    };
    // Once the target stopped answering, the rules left are not run: skipped, never failed.
    const unusable = session.unusable();
    if (unusable) return skip(`target unusable: ${unusable}`);
    const missing = missingFixture(entry, session);
    if (missing) return skip(missing);
    if (entry.billable && !session.config.allowBillable) return skip('billable: it could create a paid run; set RUNBASE_ALLOW_BILLABLE=1 to run it');
    const run = createRuleRun(entry, session, result);
    // What the rule took of the keys, however it ended: the report's pace figures (src/report/pacing.ts).
    const recordUsage = () => {
      const usage = session.scheduler.usage(entry.id);
      if (Object.keys(usage.admitted).length) result.admitted = usage.admitted;
      if (usage.leaseIdleMs) result.leaseIdleMs = usage.leaseIdleMs;
      if (usage.leaseMs) result.leaseMs = usage.leaseMs;
    };
    try {
      // Counted as at work, so a virtual clock moves only when every running rule waits on it.
      await activity.during(entry.id, () => body(run)).finally(recordUsage);
    } catch (error) {
      // A rule that ends early leaves what it sent unjudged on purpose; the reason is in its verdict.
      if (error instanceof RuleSkipped || error instanceof TargetError || error instanceof BudgetExhausted) settleRule(session, entry.id, 'abandoned');
      if (error instanceof RuleSkipped) return skip(error.message);
      if (error instanceof TargetError) {
        // The rule that met the failure carries it (exit 2); the reason is the target, not the contract.
        if (!error.message.startsWith(UNUSABLE_SINCE)) result.targetError = error.message;
        return skip(`target unusable: ${session.unusable() ?? error.message}`);
      }
      // A spent budget skips a rule, unless it already found a failure: that stands.
      if (error instanceof BudgetExhausted && result.failures.length === 0) return skip(error.message);
      if (error instanceof BudgetExhausted) result.notes.push(`${error.message}; the rule stopped there`);
      else if (error instanceof Inconclusive) run.inconclusive(`${error.message} (the rule stopped there)`);
      else throw error;
    }
    // An observe rule records what it sent: the docs leave open what the answer should be.
    if (entry.level === 'observe') settleRule(session, entry.id, 'observed');
    noteUnjudged(session, result);
    // Nothing judged: a skip with the reason, never a pass.
    const judgedSomething = result.cases > 0 || result.failures.length > 0 || (entry.level === 'observe' && result.observations.length > 0);
    if (!judgedSomething) {
      const inconclusive = result.notes.find((n) => n.startsWith('inconclusive: '));
      if (inconclusive) return skip(inconclusive);
      // A rule that judges only what a conforming target never produces is not required of it.
      if (entry.onlyOn) return skip(`${NOTHING_JUDGED} (no ${entry.onlyOn} in this run)`, false);
      return skip(`${NOTHING_JUDGED}${result.notes.length ? ` (${result.notes[0]})` : ''}`);
    }
    const events = session.scheduler.events().filter((e) => e.rule === entry.id);
    if (events.length) result.environmentEvents = events.map(({ kind, key, attempt, waitedMs }) => ({ kind, key, attempt, waitedMs }));
    result.verdict = verdictOf(entry, result);
    const seed = session.config.seed;
    if (result.verdict === 'failed') throw new Error(formatFailures(result, seed));
    if (result.verdict === 'warned') {
      if (session.config.strict) throw new Error(`${formatFailures(result, seed)}\n(warn level; failing because RUNBASE_STRICT is set)`);
      await ctx.annotate(formatFailures(result, seed), 'warning');
    }
  });
}

/** The model the valid requests use (RUNBASE_MODEL). */
export function configuredModel(session: Session) {
  const model = contract.models.models.find((m) => m.id === session.config.model);
  if (!model) throw new Error(`RUNBASE_MODEL ${session.config.model} is not in contracts/models.json`);
  return model;
}
