// 429 — over the limit. These rules exceed the budget on purpose, on keys leased from the pool so
// that no other rule is using them, and send raw (unpaced, never retried). Bursts go out at once,
// so they fit one window at any latency, and every verdict is taken from the send and receive times
// of each exchange (src/oracles/rate-window.ts): a refusal is required only where the limit was
// provably reached, an admission only where it provably was not; otherwise the case is inconclusive.
import { describe } from 'vitest';
import { contract, errorForFault } from '../src/contract/index.ts';
import { rule, type RuleRun } from '../src/conformance/rule.ts';
import { absentRunId, readRun } from '../src/conformance/requests.ts';
import { fixtureKeyProperty } from '../src/conformance/patterns.ts';
import { createRun } from '../src/conformance/requests.ts';
import { configuredModel } from '../src/conformance/rule.ts';
import type { KeySend, LeaseOptions } from '../src/http/scheduler.ts';
import { retryWait } from '../src/http/scheduler/retry.ts';
import type { Exchange } from '../src/contract/exchange.ts';
import { answeredAsError, describeAnswer, hasDocumentedMessage, isNotError, isOneOfErrors, isRateLimited } from '../src/oracles/error-answer.ts';
import { admissionExpected, insideOneWindow, judgeRepeatedBursts, refusalExpected, REPEATED_BURSTS, spanMs, type WindowLimit } from '../src/oracles/rate-window.ts';
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

const windowOf = (r: RuleRun): WindowLimit => ({ requests: limit.requests, windowMs, marginMs: r.session.scheduler.limit.marginMs });

/** One raw GET of an absent run with `key`, its answer held to what it may be: refused (429
 * RATE_LIMITED) or admitted, which is an error answer with the envelope (which code is RUN-NOT-FOUND's
 * and ENV-CODE-STATUS's to judge) — never a 2xx or anything else. The rules judge the refusals' timing. */
async function knock(r: RuleRun, key: string): Promise<Exchange> {
  const exchange = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'key', key }, { raw: true }));
  r.judge(exchange, isRateLimited(exchange) ? [] : answeredAsError(exchange).map((v) => ({ ...v, message: `a GET of an absent run while the key is pushed to its limit: ${v.message}` })));
  return exchange;
}

/** `count` GETs with `key`, all sent at once so they reach the target inside one window whatever the latency. */
async function burst(r: RuleRun, key: string, count: number): Promise<Exchange[]> {
  return Promise.all(Array.from({ length: count }, () => knock(r, key)));
}

/**
 * `count` GETs with `key` spread evenly over `spanMs`, each sent without waiting for the one before:
 * a window much shorter than documented admits them all, where a burst sent at once could not show it.
 */
async function spreadBurst(r: RuleRun, key: string, count: number, spanMs: number): Promise<Exchange[]> {
  const sent: Promise<Exchange>[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await r.session.clock.sleep(spanMs / (count - 1));
    sent.push(knock(r, key));
  }
  return Promise.all(sent);
}

/** The timed history entries of `exchanges` (in send order), and the key's whole history. */
function timesOf(r: RuleRun, key: string, exchanges: readonly Exchange[]): { sends: KeySend[]; history: readonly KeySend[] } {
  const history = r.session.scheduler.history(key);
  return { sends: history.filter((h) => exchanges.includes(h.exchange)), history };
}

/** The time of `exchange` in `key`'s history. */
function timeOf(r: RuleRun, key: string, exchange: Exchange): { send: KeySend; history: readonly KeySend[] } {
  const { sends, history } = timesOf(r, key, [exchange]);
  return { send: sends[0]!, history };
}

/** Lease a pool key that has been idle a whole window, run `body`, and hand it back. */
async function withIdleKey<T>(r: RuleRun, body: (key: string) => Promise<T>, exclude: string[] = []): Promise<T> {
  return withLease(r, { idleMs: windowMs, exclude }, body);
}

/**
 * Lease a pool key for a rule that pushes it past the limit and judges only what follows: another
 * rule's burst may have left the key limited (every judgment reads the key's whole history), so no
 * idle window is waited out. A rule that judges how many requests a key was admitted uses withIdleKey.
 */
async function withOverLimitKey<T>(r: RuleRun, body: (key: string) => Promise<T>): Promise<T> {
  return withLease(r, { overLimit: true }, body);
}

/**
 * Lease a pool key with budget for a few sends, idle or not: for a send whose admission is judged by
 * the key's whole history (admissionExpected), which a key that merely has budget satisfies.
 */
async function withBudgetedKey<T>(r: RuleRun, body: (key: string) => Promise<T>, exclude: string[] = []): Promise<T> {
  return withLease(r, { exclude }, body);
}

async function withLease<T>(r: RuleRun, options: LeaseOptions, body: (key: string) => Promise<T>): Promise<T> {
  const lease = await r.session.scheduler.lease(options);
  try {
    return await body(lease.key);
  } finally {
    lease.release();
  }
}

/** A burst of OVER that must draw a refusal. Returns the first refusal, or undefined after recording
 * why there is none: a failure when the burst provably fitted one window, else an inconclusive case. */
async function limitedBurst(r: RuleRun, key: string, what: string): Promise<{ limited?: Exchange; sends: KeySend[] }> {
  const sent = await burst(r, key, OVER);
  const { sends } = timesOf(r, key, sent);
  const limited = sent.find(isRateLimited);
  if (limited) return { limited, sends };
  const last = sent[sent.length - 1]!;
  if (insideOneWindow(sends, windowOf(r))) {
    r.countCase(sends.length);
    r.judge(last, violation('rateLimited', `none of ${OVER} requests inside one window was rate limited (${what})`, `at least one ${RATE_LIMITED.status} ${RATE_LIMITED.code}`, `every answer ${describeAnswer(last)}`));
  } else {
    r.inconclusive(`the ${OVER} requests of ${what} took ${Math.round(spanMs(sends))} ms from first send to last answer, so they are not provably inside one ${limit.windowSeconds} s window, and none was refused`);
  }
  return { sends };
}

describe('rate limits', () => {
  rule('RL-UNDER-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, limit.requests);
      const { sends, history } = timesOf(r, key, sent);
      for (const s of sends) {
        if (!admissionExpected(s, history, windowOf(r))) {
          r.inconclusive('more requests than the limit may have been counted before this one');
          continue;
        }
        // A refusal asking for a wait past the run's cap is a target that throttles the key (exit 2, as
        // anywhere else in the run), not a limit below the documented one.
        if (isRateLimited(s.exchange)) retryWait(s.exchange, 0, { maxRetryAfterMs: r.session.config.maxRetryAfterMs, label: 'an idle key' });
        r.countCase();
        if (!r.judge(s.exchange, isNotError(s.exchange, RATE_LIMITED))) break;
      }
    });
  });

  rule('RL-OVER-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const { limited, sends } = await limitedBurst(r, key, 'one burst');
      if (!limited) return;
      r.countCase(sends.length);
      r.judge(limited, hasDocumentedMessage(limited, RATE_LIMITED));
      r.observe('refused of the burst', sends.filter((s) => !s.admitted).length);
    });
    // Inside the window, not only at one instant: OVER requests spread over half a window still span
    // at most two windows of a fixed-window limit (and one of a sliding one), so one must be refused.
    await withIdleKey(r, async (key) => {
      const sent = await spreadBurst(r, key, OVER, windowMs / 2);
      const { sends } = timesOf(r, key, sent);
      if (sent.some(isRateLimited)) return r.countCase(sends.length);
      if (!insideOneWindow(sends, windowOf(r))) return r.inconclusive(`the ${OVER} requests spread over half a window took ${Math.round(spanMs(sends))} ms from first send to last answer, not provably inside one window`);
      r.countCase(sends.length);
      const last = sent[sent.length - 1]!;
      r.judge(last, violation('rateLimited', `none of ${OVER} requests spread over ${windowMs / 2000} s (inside one ${limit.windowSeconds} s window) was rate limited: the window is shorter than documented`, `at least one ${RATE_LIMITED.status} ${RATE_LIMITED.code}`, `every answer ${describeAnswer(last)}`));
    });
  });

  rule('RL-EXACT-LIMIT', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, limit.requests + 1);
      const { sends } = timesOf(r, key, sent);
      // Half a window: a burst that short meets at most one boundary of a fixed window by chance.
      const took = spanMs(sends);
      if (took >= windowMs / 2) {
        r.inconclusive(`the ${sends.length} requests took ${Math.round(took)} ms from first send to last answer, too long to judge the exact limit`);
        return;
      }
      r.countCase(sends.length);
      const refused = sent.filter(isRateLimited).length;
      if (refused > 1) return r.note('limited before the limit: RL-UNDER-LIMIT judges that');
      const last = sent.find(isRateLimited) ?? sent[sent.length - 1]!;
      r.judge(last, refused === 1 ? [] : isOneOfErrors(last, [RATE_LIMITED]).map((v) => ({ ...v, message: `none of ${sent.length} requests inside one window was rate limited (a warning: one burst can be split by a fixed window's boundary; RL-EXACT-LIMIT-REPEATED gates it when it happens again and again)` })));
    });
  });

  rule('RL-EXACT-LIMIT-REPEATED', async (r) => {
    // Each burst on a key idle a whole window, at a phase a third of a window from the others', so one
    // wall-clock boundary cannot fall inside them all (src/oracles/rate-window.ts has the numbers). The
    // phases may come in any order: a burst takes whichever phase left comes first once its key is idle,
    // a wait of at most a third of a window. A pool of one key serves too.
    const bursts: KeySend[][] = [];
    let first: number | undefined;
    const phasesLeft = Array.from({ length: REPEATED_BURSTS.bursts - 1 }, (_, i) => ((i + 1) * windowMs) / REPEATED_BURSTS.bursts);
    /** The soonest time from `now` at one of the phases left, which it takes. */
    const takeNextPhase = (now: number): number => {
      const nextAt = (phase: number) => now + ((((first! + phase - now) % windowMs) + windowMs) % windowMs);
      const soonest = phasesLeft.reduce((best, phase) => (nextAt(phase) < nextAt(best) ? phase : best));
      phasesLeft.splice(phasesLeft.indexOf(soonest), 1);
      return nextAt(soonest);
    };
    for (let i = 0; i < REPEATED_BURSTS.bursts; i++) {
      await withIdleKey(r, async (key) => {
        if (first !== undefined) await r.session.clock.sleep(takeNextPhase(r.session.clock.now()) - r.session.clock.now());
        first ??= r.session.clock.now();
        bursts.push(timesOf(r, key, await burst(r, key, limit.requests + 1)).sends);
      });
    }
    const verdict = judgeRepeatedBursts(bursts, windowOf(r));
    if (verdict.kind === 'inconclusive') return r.inconclusive(verdict.reason);
    r.countCase(bursts.flat().length);
    const last = bursts[bursts.length - 1]![limit.requests]!.exchange;
    r.judge(last, verdict.kind === 'over-limit' ? violation('exactLimit', verdict.reason, `at least one ${RATE_LIMITED.status} ${RATE_LIMITED.code} in some burst`, `every answer ${describeAnswer(last)}`) : []);
  });

  rule('RL-PER-KEY', async (r) => {
    await withOverLimitKey(r, async (keyA) => {
      const { limited } = await limitedBurst(r, keyA, 'key A');
      if (!limited) return;
      // Key B need not idle a window: its history shows it had budget (else the case is inconclusive),
      // and key A stays limited meanwhile, which a wait for an idle key B could outlast.
      await withBudgetedKey(r, async (keyB) => {
        const exchange = await knock(r, keyB);
        const { send, history } = timeOf(r, keyB, exchange);
        if (!admissionExpected(send, history, windowOf(r))) return r.inconclusive('key B may itself have been at its limit');
        r.countCase();
        r.judge(exchange, isNotError(exchange, RATE_LIMITED));
      }, [keyA]);
    });
  });

  rule('RL-SHARED-BUDGET', async (r) => {
    await withIdleKey(r, async (key) => {
      // Spend the budget on GETs, then a valid POST once they have all been answered.
      const { limited } = await limitedBurst(r, key, 'the GETs');
      if (!limited) return;
      const model = configuredModel(r.session);
      const [input] = fc.sample(validInput(model), { seed: r.session.config.seed, numRuns: 1 });
      const post = await r.send(createRun({ model: model.id, input }, { kind: 'key', key }, { raw: true }));
      const { send, history } = timeOf(r, key, post);
      if (!refusalExpected(send, history, windowOf(r))) {
        return r.inconclusive(`fewer than ${limit.requests} GETs were provably admitted in the ${limit.windowSeconds} s before the POST`);
      }
      r.countCase();
      r.judge(post, isOneOfErrors(post, [RATE_LIMITED]));
    });
  });

  rule('RL-RECOVERY', async (r) => {
    await withOverLimitKey(r, async (key) => {
      const { limited, sends } = await limitedBurst(r, key, 'the burst');
      if (!limited) return;
      const w = windowOf(r);
      // After the window: nothing of the burst can still be counted, so the key must be admitted.
      // (Nothing is sent in between: a probe inside the window would be a 429 to wait out again.)
      const lastAnswer = Math.max(...sends.map((s) => s.receivedAt));
      const afterAt = lastAnswer + windowMs + w.marginMs! + MARGIN_MS;
      await r.session.clock.sleep(Math.max(0, afterAt - r.session.clock.now()));
      const after = await knock(r, key);
      const afterTime = timeOf(r, key, after);
      if (!admissionExpected(afterTime.send, afterTime.history, w)) return r.inconclusive('the burst may still have been inside the window');
      r.countCase();
      r.judge(after, isNotError(after, RATE_LIMITED));
    });
  });

  rule('RL-BACKOFF', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER);
      if (!sent.some(isRateLimited)) return r.observe('never limited', sent.length);
      const waits = [...limit.backoffSeconds, limit.backoffSeconds[limit.backoffSeconds.length - 1]! * 2];
      let waited = 0;
      for (const seconds of waits) {
        await r.session.clock.sleep(seconds * 1000);
        waited += seconds;
        const retry = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'key', key }, { raw: true }));
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
      const sent = await burst(r, key, OVER);
      const admitted = sent.filter((e) => !isRateLimited(e)).length;
      await r.session.clock.sleep(windowMs / 2);
      const knocks = await burst(r, key, 5);
      const elapsed = r.session.clock.now() - t0;
      await r.session.clock.sleep(Math.max(0, windowMs + MARGIN_MS - elapsed));
      const probe = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'key', key }, { raw: true }));
      r.countCase(sent.length + knocks.length + 1);
      r.observe('admitted before the first 429', admitted);
      r.observe('knocks half a window later', knocks.map(describeAnswer));
      r.observe('one window after the first request', { answer: describeAnswer(probe), reading: isRateLimited(probe) ? 'rejected requests use budget (or the window is longer)' : '429 answers do not keep the key limited' }, probe);
    });
  });

  rule('RL-HEADERS', async (r) => {
    await withIdleKey(r, async (key) => {
      const sent = await burst(r, key, OVER);
      const pick = (e: Exchange | undefined) => e && Object.fromEntries(Object.entries(e.response.headers).filter(([name]) => /^(retry-after|x-ratelimit-|ratelimit)/i.test(name)));
      r.countCase(sent.length);
      const normal = sent.find((e) => !isRateLimited(e));
      r.observe('rate-limit headers on a normal answer', pick(normal) ?? 'no normal answer seen', normal);
      const limited = sent.find(isRateLimited);
      r.observe('rate-limit headers on a 429', limited ? pick(limited) : 'no 429 seen', limited);
    });
  });

  rule('USAGE-EXCEEDED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.quotaExhausted!, 'quotaExhausted');
  });
});

