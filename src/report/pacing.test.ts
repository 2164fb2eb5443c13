import { describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { budgetMs, pacingSummary } from './pacing.ts';

const { requests, windowSeconds } = contract.limits.rateLimit;
const windowMs = windowSeconds * 1000;

function result(id: string, admitted: Record<string, number>, leaseIdleMs?: number, leaseMs?: number): RuleResult {
  return { id, title: id, family: 'f', level: 'gate', doc: '', oracle: '', verdict: 'passed', cases: 1, requests: 1, failures: [], observations: [], notes: [], admitted, ...(leaseIdleMs ? { leaseIdleMs } : {}), ...(leaseMs ? { leaseMs } : {}) };
}

describe('pace against the rate-limit floor', () => {
  const rules = [
    result('A', { 'key#1': 6 * requests, 'key#2': 2 * requests, 'fixture:disabled_key': 3, 'generated-key': 500 }),
    result('RL', { 'key#2': requests }, 2 * windowMs),
  ];

  it('spreads what the pool admitted over its keys, adds the leases\' idle time only with one key, and projects by the run\'s ratio', () => {
    const one = pacingSummary(rules, 1, 12 * windowMs)!;
    expect(one.admittedOnPool).toBe(9 * requests);
    expect(one.floorMs).toBe(9 * windowMs + 2 * windowMs);
    expect(one.idleWindows).toBe(2);
    expect(one.ratio).toBeCloseTo(12 / 11, 2);
    const two = one.projections.find((p) => p.keys === 2)!;
    expect(two.floorMs).toBe(budgetMs(9 * requests, 2));
    expect(two.estimateMs).toBe(Math.round(two.floorMs * (12 / 11)));
  });

  it('is held up by the busiest key outside the pool, whose budget no pool key shares', () => {
    const busyFixture = [...rules, result('B', { 'fixture:low_balance_key': 4 * requests })];
    const eight = pacingSummary(busyFixture, 8, 5 * windowMs)!;
    expect(eight.admittedOnBusiestOtherKey).toBe(4 * requests);
    expect(eight.floorMs).toBe(4 * windowMs);
  });

  it('estimates a run with few keys by the rate-limit rules\' leases when they hold the keys longer than the floor', () => {
    const long = [result('A', { 'key#1': 4 * requests }), result('RL', { 'key#1': requests }, 0, 30 * windowMs)];
    const one = pacingSummary(long, 1, 5 * windowMs)!;
    expect(one.leaseMs).toBe(30 * windowMs);
    // Two keys: the leases may hold one key at a time, so they alone take 30 windows.
    expect(one.projections.find((p) => p.keys === 2)!.estimateMs).toBe(30 * windowMs);
    // Eight keys: seven at a time.
    expect(one.projections.find((p) => p.keys === 8)!.estimateMs).toBe(Math.round(30 * windowMs / 7));
  });

  it('gives nothing when nothing was admitted', () => {
    expect(pacingSummary([result('X', {})], 2, 1000)).toBeUndefined();
  });
});
