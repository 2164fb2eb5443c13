// Whether the target holds the state a rule needs (contracts/fixtures.json).
import { contract, type RuleEntry } from '../contract/index.ts';
import type { Config } from '../config.ts';
import type { Session } from './session.ts';

/** Fixture name → whether the configuration provides it. */
export function fixturePresent(name: string, config: Config): boolean {
  const k = config.keys;
  const present: Record<string, boolean> = {
    apiKeys: k.pool.length >= 1,
    twoApiKeys: k.pool.length >= 2,
    otherAccountKey: !!k.otherAccount,
    otherAccountRun: !!config.otherAccountRunId,
    disabledKey: !!k.disabled,
    expiredKey: !!k.expired,
    lowBalanceKey: !!k.lowBalance,
    spentKey: !!k.spent,
    ipRestrictedKey: !!k.ipRestricted && !!config.ipRestrictedAllowedIp,
    quotaExhaustedKey: !!k.quotaExhausted,
    emulatorState: !!config.admin,
  };
  if (!(name in present)) throw new Error(`contracts/fixtures.json names ${name}, which the suite does not know`);
  return present[name]!;
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
  const k = config.keys;
  const keys: Record<string, string | undefined> = {
    apiKeys: k.pool[poolIndex], twoApiKeys: k.pool[poolIndex], otherAccountKey: k.otherAccount, disabledKey: k.disabled,
    expiredKey: k.expired, lowBalanceKey: k.lowBalance, spentKey: k.spent, ipRestrictedKey: k.ipRestricted, quotaExhaustedKey: k.quotaExhausted,
  };
  return keys[fixture];
}
