// The key fixtures of contracts/fixtures.json and the variables they are read from: the one
// fixture-name → key-field map (settings, preflight, harness, Pact, compare and the redaction
// placeholders all read it).
import { contract } from './index.ts';

/** Key fixture (contracts/fixtures.json) → the field of the settings' `keys` that holds its key. */
export const KEY_FIXTURES = {
  otherAccountKey: 'otherAccount', disabledKey: 'disabled', expiredKey: 'expired', lowBalanceKey: 'lowBalance',
  spentKey: 'spent', ipRestrictedKey: 'ipRestricted', quotaExhaustedKey: 'quotaExhausted',
} as const;

export type KeyFixture = keyof typeof KEY_FIXTURES;
export type KeyField = (typeof KEY_FIXTURES)[KeyFixture];

/** Key fixtures a target answers `invalid_api_key` for by design (it must not know them). */
export const UNKNOWN_BY_DESIGN: readonly KeyFixture[] = ['disabledKey', 'expiredKey'];

export const isKeyFixture = (name: string): name is KeyFixture => Object.hasOwn(KEY_FIXTURES, name);

/** The variable a fixture is read from (its `i`-th in contracts/fixtures.json). */
export function fixtureEnv(fixture: string, i = 0): string {
  const name = contract.fixtures[fixture]?.env[i];
  if (!name) throw new Error(`contracts/fixtures.json has no variable ${i} for ${fixture}`);
  return name;
}

/**
 * The placeholder that stands for pool key `index` (0-based) in reports: `$RUNBASE_API_KEY` when the
 * pool holds one key, else `$RUNBASE_API_KEY[n]` (n from 1), the n-th entry of the comma-separated
 * list, which the curl reproduction cuts out of the variable (src/report/curl.ts).
 */
export function poolPlaceholder(index: number, poolSize: number): string {
  return poolSize === 1 ? `$${fixtureEnv('apiKeys')}` : `$${fixtureEnv('apiKeys')}[${index + 1}]`;
}
