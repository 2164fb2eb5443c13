// Accounting — model-based sequences of creates and failing runs on a fresh account, checked against a
// model of the documented money semantics (src/conformance/accounting.ts), shrunk to the shortest
// failing sequence.
import fc from 'fast-check';
import { describe } from 'vitest';
import { runCost } from '../src/contract/index.ts';
import { rule, configuredModel } from '../src/conformance/rule.ts';
import { keepSecret } from '../src/conformance/runs.ts';
import { adminClient } from '../src/conformance/admin.ts';
import { AccountingViolation, accountingCommands, initialModel, type AccountReal } from '../src/conformance/accounting.ts';
import { accountSetup } from '../src/generators/index.ts';

const MAX_COMMANDS = 8;
// On a real clock every failing run is waited out (seconds each): fewer sequences.
const SEQUENCES_IN_REAL_TIME = 5;

describe('accounting', () => {
  rule('ACCT-SEQUENCE', async (r) => {
    const admin = adminClient(r.session);
    const model = configuredModel(r.session);
    const input = { prompt: 'an accounting sequence' };
    const cost = runCost(model, input);
    // The keys made here are secrets like the configured ones: reports name them, never show them.
    let made = 0;
    const sequences = accountSetup(cost).chain((setup) => fc.tuple(fc.constant(setup), accountingCommands(setup.keys.length, MAX_COMMANDS)));
    await r.forAll(sequences, async ([setup, commands]) => {
      const account = await admin.createAccount(setup.balanceMicroUsd);
      const keys: string[] = [];
      for (const k of setup.keys) {
        const { key } = await admin.createKey(account.id, k);
        keepSecret(r, key, `ACCOUNTING_KEY_${++made}`);
        keys.push(key);
      }
      const real: AccountReal = {
        accountId: account.id, keys, admin, model: { id: model.id, input },
        send: (spec) => r.send(spec),
        sleep: (ms) => r.session.clock.sleep(ms),
      };
      try {
        await fc.asyncModelRun(() => ({ model: initialModel(setup, cost), real }), commands);
        return [];
      } catch (error) {
        if (!(error instanceof AccountingViolation)) throw error;
        const sequence = `${JSON.stringify(setup)}: ${String(commands).replace(/\s*\/\*replayPath=.*\*\//, '')}`;
        return error.violations.map((v) => ({ ...v, message: `${v.message} — after ${sequence}` }));
      }
    }, { numRuns: Math.min(r.session.config.runs, r.session.config.clock === 'virtual' ? 25 : SEQUENCES_IN_REAL_TIME) });
  });
});
