import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contract, errorByCode } from '../contract/index.ts';
import { activity, manualClock } from './clock.ts';
import { createScheduler, Throttled } from './scheduler.ts';
import type { Exchange } from '../contract/exchange.ts';

const { requests, windowSeconds, backoffSeconds } = contract.limits.rateLimit;
const windowMs = windowSeconds * 1000;

function answer(status: number, code?: string): Exchange {
  const json = code ? { error: { message: 'm', code } } : {};
  return { request: { method: 'GET', url: 'http://127.0.0.1/x', headers: {} }, response: { status, headers: {}, bodyText: JSON.stringify(json), truncated: false, json }, startedAt: 0, durationMs: 0 };
}

/** The most sends any key made within one window. */
function maxPerWindow(sends: { key: string; at: number }[]): number {
  let max = 0;
  for (const s of sends) max = Math.max(max, sends.filter((o) => o.key === s.key && o.at > s.at - windowMs && o.at <= s.at).length);
  return max;
}

describe('scheduler', () => {
  it('never sends more than the limit per key in any window, over random schedules', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.constant('pool'), fc.constantFrom('k1', 'k2', 'fixture')), { minLength: 1, maxLength: 150 }), fc.array(fc.nat(3000), { maxLength: 150 }), async (choices, gaps) => {
      const clock = manualClock(1_000_000);
      const scheduler = createScheduler({ clock, pool: ['k1', 'k2'] });
      const sends: { key: string; at: number }[] = [];
      for (let i = 0; i < choices.length; i++) {
        await clock.sleep(gaps[i] ?? 0);
        const c = choices[i]!;
        await scheduler.send(c === 'pool' ? { pool: true } : { key: c }, async (key) => { sends.push({ key, at: clock.now() }); return answer(200); });
      }
      return maxPerWindow(sends) <= requests;
    }), { seed: 11, numRuns: 60 });
  });

  it('spreads pool work over the keys, in pool order', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a', 'b', 'c'] });
    const used: string[] = [];
    for (let i = 0; i < 3 * requests; i++) await scheduler.send({ pool: true }, async (k) => { used.push(k); return answer(200); });
    expect(clock.now()).toBe(0);
    expect(new Set(used)).toEqual(new Set(['a', 'b', 'c']));
    await scheduler.send({ pool: true }, async (k) => { used.push(k); return answer(200); });
    expect(clock.now()).toBeGreaterThanOrEqual(windowMs);
  });

  it('lends a key exclusively, after it has idled, and rests it after release', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a', 'b'] });
    await scheduler.send({ key: 'a' }, async () => answer(200));
    const lease = await scheduler.lease({ idleMs: windowMs, exclude: [] });
    expect(lease.key).toBe('b');
    for (let i = 0; i < 2 * requests; i++) scheduler.record(lease.key);
    const used: string[] = [];
    await scheduler.send({ pool: true }, async (k) => { used.push(k); return answer(200); });
    expect(used).toEqual(['a']);
    lease.release();
    expect(scheduler.readyAt('b')).toBeGreaterThan(clock.now());
  });

  it('retries a 429 with the documented backoff on the clock, then gives up, recording events', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a'], labelOf: () => 'key#1' });
    const limited = errorByCode('RATE_LIMITED');
    let calls = 0;
    const result = await scheduler.send({ key: 'a' }, async () => { calls++; return answer(limited.status, limited.code); }, 'SOME-RULE');
    expect(calls).toBe(backoffSeconds.length + 1);
    expect(result.response.status).toBe(limited.status);
    expect(clock.now()).toBe(backoffSeconds.reduce((a, b) => a + b, 0) * 1000);
    expect(scheduler.events().map((e) => e.kind)).toEqual([...backoffSeconds.map(() => 'rate-limited-retry'), 'rate-limited-gave-up']);
    expect(JSON.stringify(scheduler.events())).not.toContain('"a"');
    const usage = errorByCode('USAGE_EXCEEDED');
    calls = 0;
    await scheduler.send({ key: 'a' }, async () => { calls++; return answer(usage.status, usage.code); });
    expect(calls).toBe(1);
  });

  it('waits out a Retry-After longer than the backoff, and ends the run on one past the cap', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a'], maxRetryAfterMs: 60_000 });
    const limited = errorByCode('RATE_LIMITED');
    const withRetryAfter = (seconds: number): Exchange => {
      const e = answer(limited.status, limited.code);
      return { ...e, response: { ...e.response, headers: { 'retry-after': String(seconds) } } };
    };
    let calls = 0;
    const ok = await scheduler.send({ key: 'a' }, async () => (++calls === 1 ? withRetryAfter(5) : answer(200)));
    expect(ok.response.status).toBe(200);
    expect(clock.now()).toBe(5000);
    expect(scheduler.events()[0]).toMatchObject({ kind: 'rate-limited-retry', waitedMs: 5000 });
    await expect(scheduler.send({ key: 'a' }, async () => withRetryAfter(120))).rejects.toThrow(Throttled);
    await expect(scheduler.send({ key: 'a' }, async () => withRetryAfter(120))).rejects.toThrow(/throttles key#1 for 120 s/);
  });

  it('keeps every send with its send and receive times, in order', async () => {
    const clock = manualClock(100);
    const scheduler = createScheduler({ clock, pool: ['a'] });
    await scheduler.send({ key: 'a' }, async () => { clock.advance(30); return answer(200); });
    await scheduler.sendRaw('a', async () => { clock.advance(10); return answer(errorByCode('RATE_LIMITED').status, 'RATE_LIMITED'); });
    const history = scheduler.history('a');
    expect(history.map(({ sentAt, receivedAt, admitted }) => ({ sentAt, receivedAt, admitted }))).toEqual([
      { sentAt: 100, receivedAt: 130, admitted: true }, { sentAt: 130, receivedAt: 140, admitted: false },
    ]);
    expect(history[0]!.receivedSeq).toBeLessThan(history[1]!.sentSeq);
  });
});

describe('an over-limit lease', () => {
  it('takes at once the key a burst left without budget, where an idle lease waits out a window', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a', 'b', 'c'] });
    await scheduler.send({ key: 'a' }, async () => answer(200));
    // A rule's burst leaves c over its budget.
    const burst = await scheduler.lease({ idleMs: windowMs });
    expect(burst.key).toBe('c');
    for (let i = 0; i < 2 * requests + 1; i++) scheduler.record(burst.key);
    burst.release();
    expect(scheduler.readyAt('c')).toBeGreaterThan(clock.now());
    const over = await scheduler.lease({ overLimit: true });
    expect(over.key).toBe('c');
    expect(clock.now()).toBe(0);
    over.release();
    // An idle lease on that key waits a whole window from its last send.
    const idle = await scheduler.lease({ idleMs: windowMs, exclude: ['a', 'b'] });
    expect(idle.key).toBe('c');
    expect(clock.now()).toBeGreaterThan(windowMs);
    idle.release();
  });

  it('is exclusive and held like an idle lease: pool work keeps a key', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a', 'b'] });
    const held = await activity.during('RL-A', () => scheduler.lease({ overLimit: true }));
    let second: string | undefined;
    const waiting = activity.during('RL-B', async () => { const l = await scheduler.lease({ overLimit: true }); second = l.key; l.release(); });
    await Promise.resolve();
    expect(second).toBeUndefined();
    const used: string[] = [];
    await scheduler.send({ pool: true }, async (k) => { used.push(k); return answer(200); });
    expect(used).toEqual([held.key === 'a' ? 'b' : 'a']);
    held.release();
    await waiting;
    expect(second).toBeDefined();
  });
});

describe('the keys rules name', () => {
  it('are the ones idle leases leave alone past four keys, and the whole pool up to four', async () => {
    const clock = manualClock(0);
    const eight = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'];
    const scheduler = createScheduler({ clock, pool: eight });
    expect(scheduler.namedKeys()).toEqual(['k1', 'k2']);
    // As many idle leases as there are other keys: none of them takes a named key.
    const held = await Promise.all(eight.slice(2).map((_, i) => activity.during(`RL-${i}`, () => scheduler.lease({ idleMs: windowMs }))));
    expect(held.map((l) => l.key).filter((k) => scheduler.namedKeys().includes(k))).toEqual([]);
    expect(createScheduler({ clock, pool: ['a', 'b', 'c', 'd'] }).namedKeys()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('scheduler usage per rule', () => {
  it('counts admitted sends per rule and key, and the key time a lease held idle beyond what it admitted', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a'], labelOf: () => 'key#1' });
    const limited = errorByCode('RATE_LIMITED');
    // Pool work fills the key's window; then a rule leases it idle a window, bursts, waits a window out.
    await activity.during('POOL-RULE', async () => { for (let i = 0; i < requests; i++) await scheduler.send({ pool: true }, async () => answer(200)); });
    await activity.during('RL-RULE', async () => {
      const lease = await scheduler.lease({ idleMs: windowMs });
      expect(clock.now()).toBeGreaterThanOrEqual(windowMs);
      for (let i = 0; i <= requests; i++) await scheduler.sendRaw(lease.key, async () => (i < requests ? answer(200) : answer(limited.status, limited.code)));
      await clock.sleep(2 * windowMs);
      await scheduler.sendRaw(lease.key, async () => answer(200));
      lease.release();
    });
    expect(scheduler.usage('POOL-RULE')).toEqual({ admitted: { 'key#1': requests }, leaseIdleMs: 0, leaseMs: 0 });
    const rl = scheduler.usage('RL-RULE');
    expect(rl.admitted).toEqual({ 'key#1': requests + 1 });
    // Held from the pool's last send: a window idle, then two windows, less the budget of 21 admitted.
    expect(rl.leaseMs).toBe(3 * windowMs + 1);
    expect(rl.leaseIdleMs).toBe(3 * windowMs + 1 - Math.round((requests + 1) * (windowMs / requests)));
  });
});
