// The scheduler under rules that run at the same time: slots are taken when a send starts, so
// concurrent senders never overrun a key; leases queue instead of failing, and a leased key is its
// holder's alone. And the discrete-event virtual clock of the embedded run.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import { activity, manualClock, virtualClockOverHttp } from './clock.ts';
import { createScheduler } from './scheduler.ts';
import type { Exchange } from '../contract/exchange.ts';
import { startEmulator, type RunningEmulator } from '../emulator/index.ts';

const { requests, windowSeconds } = contract.limits.rateLimit;
const windowMs = windowSeconds * 1000;

const ok = (): Exchange => ({ request: { method: 'GET', url: 'http://127.0.0.1/x', headers: {} }, response: { status: 200, headers: {}, bodyText: '{}', truncated: false, json: {} }, startedAt: 0, durationMs: 0 });
const ticks = (n: number) => new Promise<void>((resolve) => { let left = n; const next = () => (left-- <= 0 ? resolve() : setImmediate(next)); next(); });

function maxPerWindow(sends: { key: string; at: number }[]): number {
  let max = 0;
  for (const s of sends) max = Math.max(max, sends.filter((o) => o.key === s.key && o.at > s.at - windowMs && o.at <= s.at).length);
  return max;
}

describe('scheduler with concurrent rules', () => {
  it('never sends more than the limit per key in any window when many senders share the pool', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.constantFrom('pool', 'fixture'), fc.nat(5)), { minLength: 1, maxLength: 120 }), async (poolSize, work) => {
      const clock = manualClock(0);
      const pool = Array.from({ length: poolSize }, (_, i) => `k${i}`);
      const scheduler = createScheduler({ clock, pool });
      const sends: { key: string; at: number }[] = [];
      // Every sender starts at once; each answer takes a few event-loop turns.
      await Promise.all(work.map(([choice, latency]) => scheduler.send(choice === 'pool' ? { pool: true } : { key: 'fixture' }, async (key) => {
        sends.push({ key, at: clock.now() });
        await ticks(latency);
        return ok();
      })));
      return sends.length === work.length && maxPerWindow(sends) <= requests;
    }), { seed: 13, numRuns: 40 });
  });

  it('queues a lease while every key is lent out, lets sends waiting for the same release go first, and keeps a leased key from other rules', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a'] });
    const first = await activity.during('RULE-A', () => scheduler.lease());
    const order: string[] = [];
    const second = activity.during('RULE-B', async () => { const l = await scheduler.lease(); order.push('B leased'); return l; });
    const paced = activity.during('RULE-C', () => scheduler.send({ key: 'a' }, async () => { order.push('C sent'); return ok(); }));
    const pooled = activity.during('RULE-D', () => scheduler.send({ pool: true }, async () => { order.push('D sent'); return ok(); }));
    // The holder itself may send on its key.
    await activity.during('RULE-A', () => scheduler.send({ key: 'a' }, async () => { order.push('A sent'); return ok(); }));
    await ticks(5);
    expect(order).toEqual(['A sent']);
    first.release();
    (await second).release();
    await Promise.all([paced, pooled]);
    // The sends use the key's budget before the lease takes it (else that budget stands unused while
    // a lease with idle time waits its window out).
    expect(order[0]).toBe('A sent');
    expect(order.slice(1, 3).sort()).toEqual(['C sent', 'D sent']);
    expect(order[3]).toBe('B leased');
  });

  it('lends every key of a pool of four to leases that wait out a window, all but one at a time', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a', 'b', 'c', 'd'] });
    const held = await Promise.all(['RL-1', 'RL-2', 'RL-3'].map((rule) => activity.during(rule, () => scheduler.lease({ idleMs: windowMs }))));
    expect(new Set(held.map((l) => l.key)).size).toBe(3);
    // The fourth waits for a release (pool work keeps a key), and then gets one.
    let fourth: string | undefined;
    const waiting = activity.during('RL-4', async () => { const l = await scheduler.lease({ idleMs: windowMs }); fourth = l.key; l.release(); });
    await ticks(5);
    expect(fourth).toBeUndefined();
    held[0]!.release();
    await waiting;
    expect(fourth).toBe(held[0]!.key);
    for (const l of held.slice(1)) l.release();
  });

  it('lends a key with no idle time only once it has budget for a send', async () => {
    const clock = manualClock(0);
    const scheduler = createScheduler({ clock, pool: ['a'] });
    for (let i = 0; i < requests; i++) await scheduler.send({ key: 'a' }, async () => ok());
    const lease = await scheduler.lease({ idleMs: 0 });
    expect(clock.now()).toBeGreaterThanOrEqual(windowMs);
    lease.release();
  });
});

describe('virtual clock with rules at work', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => { await emulator?.close(); emulator = undefined; });

  it('moves only when every rule at work waits, to the earliest wake time, never adding the sleeps up', async () => {
    emulator = await startEmulator({ clock: 'virtual' });
    const clock = virtualClockOverHttp(emulator.adminUrl, emulator.adminToken);
    await clock.sync();
    const t0 = clock.now();
    const seen: string[] = [];
    let busy = true;
    // A rule at work that does not wait on the clock: time must not move under it.
    const worker = activity.during('WORKER', async () => {
      for (let i = 0; i < 20 && busy; i++) { await ticks(3); expect(clock.now()).toBe(t0); }
      seen.push('worker done');
      await clock.sleep(4_000);
      seen.push(`worker woke at +${clock.now() - t0}`);
    });
    const sleeper = activity.during('SLEEPER', async () => { await clock.sleep(10_000); seen.push(`sleeper woke at +${clock.now() - t0}`); });
    await Promise.all([sleeper, worker]);
    busy = false;
    expect(seen).toEqual(['worker done', 'worker woke at +4000', 'sleeper woke at +10000']);
  });
});
