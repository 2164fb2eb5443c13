// One key for every fixture the suite knows (contracts/fixtures.json), plus a pool of healthy keys,
// returned as the env lines the suite reads: what `npm run emulator` prints.
import { contract, modelById, runCost } from '../contract/index.ts';
import { choices } from '../contract/emulator-choices.ts';
import type { EmulatorState } from './state.ts';

export interface FixtureOptions {
  poolSize?: number;
  url: string;
  adminUrl: string;
  adminToken: string;
}

const envOf = (fixture: string, i = 0) => contract.fixtures[fixture]!.env[i]!;

export function provisionFixtures(state: EmulatorState, opts: FixtureOptions): Record<string, string> {
  const f = choices.fixtures;
  // Stryker disable all: validation of the admin API's provisioning input and of contracts/emulator.json
  // at start-up; it decides no answer of the public API (excluded from the mutation scope, issue 12).
  const poolSize = opts.poolSize ?? f.poolSize;
  if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 256) throw new RangeError('poolSize must be a whole number from 2 to 256');
  const ample = f.accountBalanceMicroUsd;
  const cheapest = Math.min(...contract.models.models.map((m) => runCost(m, {})));
  if (f.lowBalanceMicroUsd >= cheapest) throw new RangeError('the low-balance fixture must be below the cheapest run');
  // Stryker restore all

  const accountA = state.createAccount({ balanceMicroUsd: ample });
  const pool = Array.from({ length: poolSize }, () => state.createKey(accountA.id).key);

  // The OpenAPI document's `id` example (contracts/emulator.json "exampleRun"), readable by the first
  // fixture set's pool (same account), so tools that send the example get the documented 200. Made
  // by a key of its own, so no pool key's spend or usage starts above zero; already done, as the
  // document's 200 example shows it (Dredd checks an answer against that example's fields).
  const example = choices.exampleRun;
  if (!state.run(example.id)) {
    const createdAt = state.clock.now() - choices.lifecycleMs.terminalAfter;
    state.createRun(state.createKey(accountA.id), example.model, runCost(modelById(example.model)!, {}), { id: example.id, createdAt });
  }

  const accountB = state.createAccount({ balanceMicroUsd: ample });
  const keyB = state.createKey(accountB.id);
  const defaultModel = modelById(contract.models.defaultModel)!;
  const runB = state.createRun(keyB, defaultModel.id, runCost(defaultModel, {}));

  const lowAccount = state.createAccount({ balanceMicroUsd: f.lowBalanceMicroUsd });
  const spentAccount = state.createAccount({ balanceMicroUsd: ample });
  const spendCap = f.spendLimitCents;

  return {
    RUNBASE_URL: opts.url,
    [envOf('apiKeys')]: pool.join(','),
    [envOf('otherAccountKey')]: keyB.key,
    [envOf('otherAccountRun')]: runB.id,
    [envOf('disabledKey')]: state.createKey(accountA.id, { disabled: true }).key,
    [envOf('expiredKey')]: state.createKey(accountA.id, { expiresAt: state.clock.now() - 1 }).key,
    [envOf('lowBalanceKey')]: state.createKey(lowAccount.id).key,
    [envOf('spentKey')]: state.createKey(spentAccount.id, { spendLimitCents: spendCap, spentMicroUsd: spendCap * contract.limits.money.microUsdPerCent }).key,
    [envOf('ipRestrictedKey')]: state.createKey(accountA.id, { ipWhitelist: f.ipRestrictedWhitelist }).key,
    [envOf('ipRestrictedKey', 1)]: f.ipRestrictedWhitelist[0]!,
    [envOf('quotaExhaustedKey')]: state.createKey(accountA.id, { usageQuota: f.usageQuota, usageUsed: f.usageQuota }).key,
    [envOf('emulatorState', 0)]: opts.adminUrl,
    [envOf('emulatorState', 1)]: opts.adminToken,
    // An emulator bills nothing real, so the billable rules may run against it.
    RUNBASE_ALLOW_BILLABLE: '1',
  };
}
