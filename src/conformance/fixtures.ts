// Whether the target holds the state a rule needs (contracts/fixtures.json), and which configured key
// each key fixture is in these settings. The fixture → key-field map is src/contract/key-fixtures.ts.
import { contract, type RuleEntry } from '../contract/index.ts';
import { KEY_FIXTURES, isKeyFixture, type KeyField } from '../contract/key-fixtures.ts';
import type { Config } from '../settings/index.ts';
import type { Session } from './session.ts';

export { KEY_FIXTURES, fixtureEnv, poolPlaceholder, type KeyFixture } from '../contract/key-fixtures.ts';

// Every key fixture's field is a key field of the settings.
KEY_FIXTURES satisfies Record<string, KeyField & keyof Omit<Config['keys'], 'pool'>>;

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
