// Account set-ups and command choices for the model-based accounting sequences: balances and key limits
// placed around the cost of one run, where off-by-one and unit mistakes show. Plain data, no HTTP.
import fc from 'fast-check';
import { contract } from '../contract/index.ts';

export interface KeySetup { spendLimitCents: number | null; usageQuota: number | null }
export interface AccountSetup { balanceMicroUsd: number; keys: KeySetup[] }

/** Cents that cover `runs` runs of `costMicroUsd` (rounded up: a cap is a whole number of cents). */
export const centsFor = (runs: number, costMicroUsd: number): number => Math.ceil((runs * costMicroUsd) / contract.limits.money.microUsdPerCent);

/** A spend cap around a few runs' cost: none, zero, one cent, exactly 1 or 2 runs, between 2 and 3 runs. */
export function spendLimitAround(costMicroUsd: number): fc.Arbitrary<number | null> {
  return fc.constantFrom(null, 0, 1, centsFor(1, costMicroUsd), centsFor(2, costMicroUsd), centsFor(2.5, costMicroUsd), centsFor(3, costMicroUsd));
}

/** A balance around a few runs' cost: none, just short of one, exactly one or two, ample. */
export function balanceAround(costMicroUsd: number): fc.Arbitrary<number> {
  return fc.constantFrom(0, costMicroUsd - 1, costMicroUsd, 2 * costMicroUsd, 3 * costMicroUsd + 1, 1_000 * costMicroUsd);
}

/** One account with one to three keys, each with an optional spend cap and usage quota. */
export function accountSetup(costMicroUsd: number): fc.Arbitrary<AccountSetup> {
  const key = fc.record({ spendLimitCents: spendLimitAround(costMicroUsd), usageQuota: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }) });
  return fc.record({ balanceMicroUsd: balanceAround(costMicroUsd), keys: fc.array(key, { minLength: 1, maxLength: 3 }) });
}
