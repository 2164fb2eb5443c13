// Throttling is an environment fact, not a verdict: a target that keeps answering 429 RATE_LIMITED where
// the run's own traffic cannot be ruled out makes those cases inconclusive (the rule skips with the
// reason when nothing else was judged, and no other rule loses its verdict), and a Retry-After past the
// cap ends the run with exit 2. Emulators with a swapped first step, on the virtual clock.
import { absentRunId, readRun } from '../src/conformance/requests.ts';
import { DEFAULTS } from '../src/settings/index.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faithfulSteps, faultAnswer, provisionFixtures, startEmulator, steps as faithful, type Answer, type Step } from '../src/emulator/index.ts';
import { replaceStep } from '../src/selftest/deviations.ts';
import type { ConformanceReport } from '../src/report/model.ts';
import { runConformance } from './helpers.ts';

/** The faithful table behind a first step that throttles every request without Authorization. */
function throttleAnonymous(retryAfterSeconds?: number): Step[] {
  const refuse = (): Answer => {
    const answer = faultAnswer('rateLimited');
    return retryAfterSeconds === undefined ? answer : { ...answer, headers: { ...answer.headers, 'retry-after': String(retryAfterSeconds) } };
  };
  // The preflight's keyless probe gets through: this target starts throttling once the run is under way
  // (a target that throttles every caller from the start is the preflight's exit 2, test/proofs/hostile.test.ts).
  const preflightPath = readRun(absentRunId('preflight', DEFAULTS.seed)).path;
  return [{ name: 'throttleAnonymous', run: (ctx) => (ctx.call.headers.authorization === undefined && !ctx.call.path.endsWith(preflightPath) ? refuse() : undefined) }, ...faithfulSteps];
}

/** The faithful table, except that once any key goes over the limit, every key is refused for an hour
 * (an abuse lockout): a throttle past the documented limit that a rate-limit rule's raw send meets. */
function lockoutAfterFirstLimit(): Step[] {
  const refused = faultAnswer('rateLimited');
  const lockout: Answer = { ...refused, headers: { ...refused.headers, 'retry-after': '3600' } };
  let locked = false;
  return replaceStep('rateLimit', (ctx) => {
    if (locked) return lockout;
    const answer = faithful.rateLimit.run(ctx);
    locked = answer !== undefined;
    return answer;
  });
}

async function run(steps: Step[], extra: Record<string, string> = {}, files = ['suites/auth.test.ts', 'suites/envelope.test.ts']) {
  const emulator = await startEmulator({ clock: 'virtual', steps });
  try {
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-throttle-'));
    const cli = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '10', RUNBASE_REPORT_DIR: dir, ...extra }, 240_000, files);
    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    return { cli, report, rule: (id: string) => report.rules.find((r) => r.id === id)! };
  } finally {
    await emulator.close();
  }
}

describe('throttling', () => {
  it('makes only the throttled cases inconclusive: the rule skips with the reason, the others keep their verdicts', async () => {
    const { cli, rule } = await run(throttleAnonymous());
    expect(cli.code, cli.output.slice(-3000)).toBe(0);
    const missing = rule('AUTH-MISSING');
    expect(missing.verdict).toBe('skipped');
    expect(missing.skipReason).toMatch(/^inconclusive: .*429 RATE_LIMITED.*without a known key/);
    expect(missing.inconclusive).toBeGreaterThan(0);
    // The envelope rules' own no-auth probe was throttled; they still judged every other answer.
    for (const id of ['ENV-SHAPE', 'SEC-NO-SECRET-ECHO']) {
      expect(rule(id).verdict).toBe('passed');
      expect(rule(id).inconclusive).toBe(1);
      expect(rule(id).cases).toBeGreaterThan(0);
    }
    expect(rule('AUTH-UNKNOWN-KEY').verdict).toBe('passed');
  }, 300_000);

  it('ends the run with exit 2 when Retry-After asks for longer than RUNBASE_MAX_RETRY_AFTER_S', async () => {
    const { cli, rule } = await run(throttleAnonymous(120), { RUNBASE_MAX_RETRY_AFTER_S: '30' });
    expect(cli.code, cli.output.slice(-3000)).toBe(2);
    expect(rule('AUTH-MISSING').targetError).toMatch(/throttles .* for 120 s \(Retry-After\), longer than RUNBASE_MAX_RETRY_AFTER_S=30/);
  }, 300_000);

  it('ends the run with exit 2, failing no rule, when an unpaced send of a rate-limit rule meets a Retry-After past the cap', async () => {
    // RL-PER-KEY's key B, after key A's burst: before, this 429 failed the rule (one key's limit applied to another).
    const { cli, rule } = await run(lockoutAfterFirstLimit(), { RUNBASE_RULES: 'RL-PER-KEY' }, ['suites/limits.test.ts']);
    expect(cli.code, cli.output.slice(-3000)).toBe(2);
    const perKey = rule('RL-PER-KEY');
    expect(perKey.verdict).toBe('skipped');
    expect(perKey.failures).toEqual([]);
    expect(perKey.targetError).toMatch(/throttles (key#\d|fixture:\w+) for 3600 s \(Retry-After\), longer than RUNBASE_MAX_RETRY_AFTER_S=60/);
  }, 300_000);
});
