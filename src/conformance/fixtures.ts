// Whether the target holds the state a rule needs (contracts/fixtures.json), and which configured key
// each key fixture is: the one fixture-name → key map (config, harness, Pact, compare and the
// redaction placeholders all read it).
import { contract, type RuleEntry } from '../contract/index.ts';
import type { Config } from '../config.ts';
import type { Session } from './session.ts';

type KeyField = keyof Omit<Config['keys'], 'pool'>;

/** Key fixture (contracts/fixtures.json) → the field of `Config['keys']` that holds its key. */
export const KEY_FIXTURES = {
  otherAccountKey: 'otherAccount', disabledKey: 'disabled', expiredKey: 'expired', lowBalanceKey: 'lowBalance',
  spentKey: 'spent', ipRestrictedKey: 'ipRestricted', quotaExhaustedKey: 'quotaExhausted',
} as const satisfies Record<string, KeyField>;

export type KeyFixture = keyof typeof KEY_FIXTURES;

const isKeyFixture = (name: string): name is KeyFixture => Object.hasOwn(KEY_FIXTURES, name);

/** The variable a fixture is read from (its `i`-th in contracts/fixtures.json). */
export function fixtureEnv(fixture: string, i = 0): string {
  const name = contract.fixtures[fixture]?.env[i];
  if (!name) throw new Error(`contracts/fixtures.json has no variable ${i} for ${fixture}`);
  return name;
}

/** Fixture name → whether the configuration provides it. */
export function fixturePresent(name: string, config: Config): boolean {
  const other: Record<string, boolean> = {
    apiKeys: config.keys.pool.length >= 1,
    twoApiKeys: config.keys.pool.length >= 2,
    otherAccountRun: !!config.otherAccountRunId,
    emulatorState: !!config.admin,
  };
  if (isKeyFixture(name)) return !!config.keys[KEY_FIXTURES[name]] && (name !== 'ipRestrictedKey' || !!config.ipRestrictedAllowedIp);
  if (!(name in other)) throw new Error(`contracts/fixtures.json names ${name}, which the suite does not know`);
  return other[name]!;
}

/** The reason a rule cannot run here, or undefined when every fixture it needs is configured. */
export function missingFixture(rule: RuleEntry, session: Pick<Session, 'config'>): string | undefined {
  const missing = rule.fixtures.filter((f) => !fixturePresent(f, session.config));
  if (missing.length === 0) return undefined;
  const parts = missing.map((f) => {
    const entry = contract.fixtures[f];
    return `${entry?.what ?? f} (${entry?.env.join(' + ') ?? f})`;
  });
  return `fixture not configured: ${parts.join('; ')}`;
}

/** The key a key fixture maps to in this configuration (apiKeys: the pool key at `poolIndex`). */
export function keyForFixture(config: Config, fixture: string, poolIndex = 0): string | undefined {
  if (fixture === 'apiKeys' || fixture === 'twoApiKeys') return config.keys.pool[poolIndex];
  return isKeyFixture(fixture) ? config.keys[KEY_FIXTURES[fixture]] : undefined;
}

/**
 * The placeholder that stands for pool key `index` (0-based) in reports: `$RUNBASE_API_KEY` when the
 * pool holds one key, else `$RUNBASE_API_KEY[n]` (n from 1), the n-th entry of the comma-separated
 * list, which the curl reproduction cuts out of the variable (src/report/curl.ts).
 */
export function poolPlaceholder(index: number, poolSize: number): string {
  return poolSize === 1 ? `$${fixtureEnv('apiKeys')}` : `$${fixtureEnv('apiKeys')}[${index + 1}]`;
}

/** Every configured secret → its placeholder: pool keys, fixture keys, the admin token. */
export function keyPlaceholders(config: Config): Map<string, string> {
  const map = new Map<string, string>();
  config.keys.pool.forEach((key, i) => map.set(key, poolPlaceholder(i, config.keys.pool.length)));
  for (const [fixture, field] of Object.entries(KEY_FIXTURES)) {
    const key = config.keys[field];
    if (key) map.set(key, `$${fixtureEnv(fixture)}`);
  }
  if (config.admin) map.set(config.admin.token, `$${fixtureEnv('emulatorState', 1)}`);
  return map;
}
