// The accounting model's expectations: what a create must, may and must not get.
import { describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import { expectedOutcome, initialModel, type AccountModel } from './accounting.ts';

const cost = 40_000;
const perCent = contract.limits.money.microUsdPerCent;
const model = (balance: number, key: Partial<AccountModel['keys'][number]>): AccountModel => {
  const m = initialModel({ balanceMicroUsd: balance, keys: [{ spendLimitCents: null, usageQuota: null }] }, cost);
  Object.assign(m.keys[0]!, key);
  return m;
};

describe('expectedOutcome', () => {
  it('admits a create that nothing stands in the way of', () => {
    expect(expectedOutcome(model(10 * cost, {}), 0)).toEqual({ must: [], may: [] });
  });

  it('reads the spend cap in cents: blocked once spend reaches it, open either way when a run would cross it', () => {
    const cap = (2 * cost) / perCent;
    expect(expectedOutcome(model(10 * cost, { spendLimitCents: cap, spentMin: cost, spentMax: cost }), 0)).toEqual({ must: [], may: [] });
    expect(expectedOutcome(model(10 * cost, { spendLimitCents: cap, spentMin: 2 * cost, spentMax: 2 * cost }), 0).must).toEqual(['spendReached']);
    expect(expectedOutcome(model(10 * cost, { spendLimitCents: cap, spentMin: 1.5 * cost, spentMax: 1.5 * cost }), 0).may).toEqual(['spendReached']);
    // After a refund the spend is one of two readings: not surely reached.
    expect(expectedOutcome(model(10 * cost, { spendLimitCents: cap, spentMin: cost, spentMax: 2 * cost }), 0)).toEqual({ must: [], may: ['spendReached'] });
    expect(expectedOutcome(model(10 * cost, { spendLimitCents: 0 }), 0).must).toEqual(['spendReached']);
  });

  it('refuses below the cost, and leaves balance == cost open', () => {
    expect(expectedOutcome(model(cost - 1, {}), 0).must).toEqual(['lowBalance']);
    expect(expectedOutcome(model(cost, {}), 0)).toEqual({ must: [], may: ['lowBalance'] });
  });

  it('refuses once the usage counter reaches the quota', () => {
    expect(expectedOutcome(model(10 * cost, { usageQuota: 2, usage: 2 }), 0).must).toEqual(['quotaExhausted']);
    expect(expectedOutcome(model(10 * cost, { usageQuota: 2, usage: 1 }), 0).must).toEqual([]);
  });
});
