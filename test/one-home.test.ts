// Facts with one home: the fixture-name → key map, the documented-error request table, the emulator's
// fault precedence (contracts/emulator.json) — each complete against the contract, and each read.
import { describe, expect, it } from 'vitest';
import { contract, errorForFault } from '../src/contract/index.ts';
import { KEY_FIXTURES, keyForFixture } from '../src/conformance/fixtures.ts';
import { secretsOf } from '../src/verdicts/redact.ts';
import { documentedErrorRequests } from '../src/conformance/documented-errors.ts';
import { pactCases } from '../src/pact/interactions.ts';
import { loadConfig } from '../src/settings/index.ts';
import { faithfulSteps, steps } from '../src/emulator/index.ts';
import { stepsInOrder } from '../src/emulator/pipeline.ts';
import { choices } from '../src/contract/emulator-choices.ts';

describe('one home for each fact', () => {
  it('maps every key fixture of contracts/fixtures.json, and config, harness and placeholders agree', () => {
    const keyFixtures = Object.keys(contract.fixtures).filter((f) => /Key$/.test(f));
    expect(Object.keys(KEY_FIXTURES).sort()).toEqual(keyFixtures.sort());
    const env: Record<string, string> = { RUNBASE_URL: 'http://127.0.0.1:9', RUNBASE_API_KEY: 'sk-pool0000000001,sk-pool0000000002', RUNBASE_ENV_FILE: '/dev/null' };
    for (const f of keyFixtures) env[contract.fixtures[f]!.env[0]!] = `sk-${f.toLowerCase()}000000`;
    const config = loadConfig(env);
    const placeholders = secretsOf(config);
    for (const f of keyFixtures) {
      expect(keyForFixture(config, f), f).toBe(env[contract.fixtures[f]!.env[0]!]);
      expect(placeholders.get(keyForFixture(config, f)!)).toBe(`$${contract.fixtures[f]!.env[0]}`);
    }
    expect(placeholders.get('sk-pool0000000002')).toBe('$RUNBASE_API_KEY[2]');
  });

  it('has one request for every documented error but the rate limit (which needs a spent budget)', () => {
    const table = documentedErrorRequests(contract.models.defaultModel);
    for (const p of table) expect(p.code).toBe(errorForFault(p.fault).code);
    const codes = new Set(table.map((p) => p.code));
    expect(contract.errors.errors.map((e) => e.code).filter((c) => !codes.has(c))).toEqual([errorForFault('rateLimited').code]);
  });

  it('builds every Pact error interaction but the rate limit from that table (state, fixture, body)', () => {
    const table = documentedErrorRequests(contract.models.defaultModel);
    const errorCases = pactCases().filter((c) => c.response.code !== undefined);
    expect(errorCases.map((c) => c.response.code)).toEqual(contract.errors.errors.map((e) => e.code));
    for (const c of errorCases.filter((c) => c.response.code !== errorForFault('rateLimited').code)) {
      const row = table.find((r) => r.code === c.response.code && r.header === undefined)!;
      expect({ code: c.response.code, state: c.state, fixture: c.fixture, body: c.request.body, billable: c.billable }).toEqual({ code: row.code, state: row.state, fixture: row.fixture, body: row.body, billable: row.billable });
    }
  });

  it('orders the faithful pipeline as contracts/emulator.json says, and refuses an order that is not a permutation', () => {
    expect((choices.choices.precedence.default as string[]).flatMap((e) => e.split('|').map((n) => n.trim()))).toEqual(faithfulSteps.map((s) => s.name));
    const reversed = [...faithfulSteps].reverse().map((s) => s.name);
    expect(stepsInOrder(reversed).map((s) => s.name)).toEqual(reversed);
    expect(() => stepsInOrder(reversed.slice(1))).toThrow(/missing: /);
    expect(() => stepsInOrder([...reversed, 'nope'])).toThrow(/unknown: nope/);
    expect(Object.keys(steps).length).toBe(faithfulSteps.length);
  });
});
