// The consumer pact is what its generator makes, and its verification fails a wrong target with
// Pact's own mismatch text under the interaction's PACT-… rule.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../src/contract/index.ts';
import { writeConsumerPact } from '../src/pact/consumer.ts';
import { PACT_FILE, pactCases } from '../src/pact/interactions.ts';
import { pactPath } from '../src/pact/verify.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';
import { deviationByName } from '../src/selftest/deviations.ts';
import type { ConformanceReport } from '../src/report/model.ts';
import { runConformance } from './helpers.ts';

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

describe('the consumer pact', () => {
  it('is committed as the generator makes it (else run `npm run contracts:build`)', async () => {
    process.env.PACT_DO_NOT_TRACK = 'true';
    const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-gen-'));
    await writeConsumerPact(dir);
    const fresh = readFileSync(join(dir, PACT_FILE), 'utf8');
    expect(fresh === readFileSync(pactPath(), 'utf8'), 'contracts/pacts/ is stale: run `npm run contracts:build`').toBe(true);
  });

  it('has one interaction per documented error code, a create and a read, each with a PACT rule', () => {
    const pact = JSON.parse(readFileSync(pactPath(), 'utf8')) as { interactions: { description: string; providerStates: { name: string }[]; response: { status: number } }[] };
    expect(pact.interactions).toHaveLength(contract.errors.errors.length + 2);
    for (const c of pactCases()) {
      const rule = contract.rules.rules.find((r) => r.id === c.ruleId);
      expect(rule, c.ruleId).toMatchObject({ family: 'pact', level: 'gate', billable: c.billable, fixtures: c.fixture ? [c.fixture] : [] });
      const interaction = pact.interactions.find((i) => i.description.startsWith(`${c.ruleId}:`));
      expect(interaction?.providerStates[0]?.name).toBe(c.state);
      expect(interaction?.response.status).toBe(c.response.status);
    }
  });

  it("fails the matching PACT rule on a target that answers a documented error wrongly, with Pact's mismatch text", async () => {
    const emulator = await startEmulator({ clock: 'virtual', steps: deviationByName('disabled-key-accepted').steps() });
    emulators.push(emulator);
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-report-'));
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '5', RUNBASE_REPORT_DIR: dir });
    expect(run.code, run.output).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    const pactRule = report.rules.find((r) => r.id === 'PACT-INVALID-API-KEY')!;
    expect(pactRule.verdict).toBe('failed');
    expect(pactRule.failures.map((f) => f.message).join('\n')).toMatch(/Pact: expected 401 but was 404|Pact: Expected 'run_not_found'/);
    const others = report.rules.filter((r) => r.family === 'pact' && r.id !== 'PACT-INVALID-API-KEY');
    expect(others.every((r) => r.verdict === 'passed'), others.filter((r) => r.verdict !== 'passed').map((r) => r.id).join()).toBe(true);
  });
});
