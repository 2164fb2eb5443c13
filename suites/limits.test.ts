// 429 — over the limit. These rules exceed the budget on purpose, on keys leased from the pool so
// that no other rule is using them, and send raw (unpaced, never retried).
import { describe } from 'vitest';
import { contract, errorForFault } from '../src/contract/index.ts';
import { rule, type RuleRun } from '../src/conformance/rule.ts';
import { absentRunId, readRun } from '../src/conformance/requests.ts';
import { fixtureKeyProperty } from '../src/conformance/patterns.ts';
import { createRun } from '../src/conformance/requests.ts';
import { configuredModel } from '../src/conformance/rule.ts';
import type { Exchange } from '../src/http/types.ts';
import { describeAnswer, hasDocumentedMessage, isNotError, isOneOfErrors, matchingError } from '../src/oracles/error-answer.ts';
import { violation } from '../src/oracles/types.ts';
import fc from 'fast-check';
import { validInput } from '../src/generators/index.ts';

const limit = contract.limits.rateLimit;
const windowMs = limit.windowSeconds * 1000;
const RATE_LIMITED = errorForFault('rateLimited');
/** Past the limit under both fixed and sliding windows (conformance-rules.md). */
const OVER = 2 * limit.requests + 1;
/** After the window, a little more, so a server clock a bit behind ours still sees it expired. */
const MARGIN_MS = 1000;

const isRateLimited = (e: Exchange) => matchingError(e, [RATE_LIMITED]) !== undefined;

/** Up to `count` GETs with `key` as fast as they go; stops at the first 429 when asked. */
async function burst(r: RuleRun, key: string, count: number, opts: { untilLimited?: boolean } = {}): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (let i = 0; i < count; i++) {
    const exchange = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key }, { raw: true }));
    out.push(exchange);
    if (opts.untilLimited && isRateLimited(exchange)) break;
  }
  return out;
}

/** Lease a pool key that has been idle a whole window, run `body`, and hand it back. */
async function withIdleKey<T>(r: RuleRun, body: (key: string) => Promise<T>, exclude: string[] = []): Promise<T> {
  const lease = await r.session.scheduler.lease({ idleMs: windowMs, exclude });
  try {
    return await body(lease.key);
  } finally {
    lease.release();
  }
}

describe('rate limits', () => {
  rule('RL-UNDER-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const start = r.session.clock.now();
      const sent = await burst(r, key, limit.requests);
      const took = r.session.clock.now() - start;
      r.countCase(sent.length);
      if (took >= windowMs) r.note(`the ${limit.requests} requests took ${took} ms, longer than the window`);
      for (const e of sent) if (!r.judge(e, isNotError(e, RATE_LIMITED))) break;
    });
  });

  rule('RL-OVER-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER);
      r.countCase(sent.length);
      const limited = sent.find(isRateLimited);
      if (!limited) {
        r.judge(sent[sent.length - 1], violation('rateLimited', `none of ${OVER} requests in one window was rate limited`, `at least one ${RATE_LIMITED.status} ${RATE_LIMITED.code}`, `last answer ${describeAnswer(sent[sent.length - 1]!)}`));
        return;
      }
      r.judge(limited, hasDocumentedMessage(limited, RATE_LIMITED));
      r.observe('first 429 at request', sent.indexOf(limited) + 1);
    });
  });

  rule('RL-EXACT-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const start = r.session.clock.now();
      const sent = await burst(r, key, limit.requests + 1);
      const took = r.session.clock.now() - start;
      r.countCase(sent.length);
      if (took >= windowMs / 2) {
        r.note(`the ${sent.length} requests took ${took} ms, too long to judge the exact limit`);
        return;
      }
      const last = sent[sent.length - 1]!;
      if (sent.slice(0, -1).some(isRateLimited)) return r.note('limited before the limit: RL-UNDER-LIMIT judges that');
      r.judge(last, isOneOfErrors(last, [RATE_LIMITED]));
    });
  });

  rule('RL-PER-KEY', async (r) => {
    await withIdleKey(r, async (keyA) => {
      const sent = await burst(r, keyA, OVER, { untilLimited: true });
      if (!sent.some(isRateLimited)) {
        r.note('key A was never limited, so the per-key property could not be exercised');
        r.judge(sent[sent.length - 1], violation('rateLimited', 'key A was not rate limited after a full burst', 'a 429 for key A', describeAnswer(sent[sent.length - 1]!)));
        return;
      }
      await withIdleKey(r, async (keyB) => {
        const exchange = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key: keyB }, { raw: true }));
        r.countCase();
        r.judge(exchange, isNotError(exchange, RATE_LIMITED));
      }, [keyA]);
    });
  });

  rule('RL-SHARED-BUDGET', async (r) => {
    await withIdleKey(r, async (key) => {
      // Spend the budget on GETs until the limit answers, then a valid POST right away.
      const sent = await burst(r, key, OVER, { untilLimited: true });
      if (!sent.some(isRateLimited)) {
        r.judge(sent[sent.length - 1], violation('rateLimited', 'GETs were never rate limited', 'a 429 on GET', describeAnswer(sent[sent.length - 1]!)));
        return;
      }
      const model = configuredModel(r.session);
      const [input] = fc.sample(validInput(model), { seed: r.session.config.seed, numRuns: 1 });
      const post = await r.send(createRun({ model: model.id, input }, { kind: 'key', key }, { raw: true }));
      r.countCase();
      r.judge(post, isOneOfErrors(post, [RATE_LIMITED]));
    });
  });

  rule('RL-RECOVERY', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER, { untilLimited: true });
      if (!sent.some(isRateLimited)) {
        r.judge(sent[sent.length - 1], violation('rateLimited', 'the burst was never rate limited', 'a 429 during the burst', describeAnswer(sent[sent.length - 1]!)));
        return;
      }
      await r.session.clock.sleep(windowMs + MARGIN_MS);
      const after = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key }, { raw: true }));
      r.countCase();
      r.judge(after, isNotError(after, RATE_LIMITED));
    });
  });

  rule('RL-BACKOFF', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER, { untilLimited: true });
      if (!sent.some(isRateLimited)) return r.observe('never limited', sent.length);
      const waits = [...limit.backoffSeconds, limit.backoffSeconds[limit.backoffSeconds.length - 1]! * 2];
      let waited = 0;
      for (const seconds of waits) {
        await r.session.clock.sleep(seconds * 1000);
        waited += seconds;
        const retry = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key }, { raw: true }));
        r.countCase();
        if (!isRateLimited(retry)) return r.observe('first retry that got through', { afterWaitSeconds: seconds, totalSeconds: waited }, retry);
      }
      r.observe('first retry that got through', `none within ${waited} s`);
    });
  });

  rule('RL-REJECTED-COUNT', async (r) => {
    await withIdleKey(r, async (key) => {
      // Fill the budget, keep knocking for half a window, then wait out the window from the first
      // admitted request. If 429s used budget, the knocking keeps the key limited past that point.
      const t0 = r.session.clock.now();
      const sent = await burst(r, key, OVER, { untilLimited: true });
      const admitted = sent.filter((e) => !isRateLimited(e)).length;
      await r.session.clock.sleep(windowMs / 2);
      const knocks = await burst(r, key, 5);
      const elapsed = r.session.clock.now() - t0;
      await r.session.clock.sleep(Math.max(0, windowMs + MARGIN_MS - elapsed));
      const probe = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key }, { raw: true }));
      r.countCase(sent.length + knocks.length + 1);
      r.observe('admitted before the first 429', admitted);
      r.observe('knocks half a window later', knocks.map(describeAnswer));
      r.observe('one window after the first request', { answer: describeAnswer(probe), reading: isRateLimited(probe) ? 'rejected requests use budget (or the window is longer)' : '429 answers do not keep the key limited' }, probe);
    });
  });

  rule('RL-HEADERS', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER, { untilLimited: true });
      const pick = (e: Exchange | undefined) => e && Object.fromEntries(Object.entries(e.response.headers).filter(([name]) => /^(retry-after|x-ratelimit-|ratelimit)/i.test(name)));
      r.countCase(sent.length);
      r.observe('rate-limit headers on a normal answer', pick(sent[0]) ?? {}, sent[0]);
      const limited = sent.find(isRateLimited);
      r.observe('rate-limit headers on a 429', limited ? pick(limited) : 'no 429 seen', limited);
    });
  });

  rule('USAGE-EXCEEDED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.quotaExhausted!, 'quotaExhausted');
  });
});

