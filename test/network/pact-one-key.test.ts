// Every PACT rule works with a single key, in real time: the verifier's requests go through the run's
// pacing (the proxy), so nothing of ours is ever refused with a 429. The rate-limited interaction
// spends the one key on purpose; the scheduler saw those sends, so what follows waits its window out.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { runConformance } from '../helpers.ts';

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

async function pactRunWithOneKey(): Promise<{ run: Awaited<ReturnType<typeof runConformance>>; report: ConformanceReport }> {
  const emulator = await startEmulator({ clock: 'real' });
  emulators.push(emulator);
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  const oneKey = env.RUNBASE_API_KEY!.split(',')[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-one-key-'));
  const run = await runConformance({ ...env, RUNBASE_API_KEY: oneKey, RUNBASE_REPORT_DIR: dir }, 480_000, ['suites/pact.test.ts']);
  return { run, report: JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport };
}

describe('the PACT rules with one key against a real-time emulator', () => {
  it('all pass, every verifier request is counted, and no 429 of our own making is met', async () => {
    let { run, report } = await pactRunWithOneKey();
    // On a machine loaded by the other real-time proofs, a pooled connection can be reset as it is
    // reused (a keep-alive race; the target is then unusable, exit 2): such a run is repeated once.
    if (report.errors.length > 0 && report.errors.every((e) => e.includes('connection reset'))) ({ run, report } = await pactRunWithOneKey());
    const pact = report.rules.filter((r) => r.family === 'pact');
    expect(pact).toHaveLength(contract.rules.rules.filter((r) => r.family === 'pact').length);
    expect(pact.filter((r) => r.verdict !== 'passed').map((r) => `${r.id} ${r.verdict} ${r.skipReason ?? ''} ${r.failures.map((f) => f.message).join('; ')}`)).toEqual([]);
    expect(pact.filter((r) => r.requests < 1).map((r) => r.id)).toEqual([]);
    // The rate-limited state spends the key (what the earlier rules left of its budget), then Pact's request.
    expect(pact.find((r) => r.id === 'PACT-RATE-LIMITED')!.requests).toBeGreaterThan(1);
    expect(report.environmentEvents).toEqual([]);
    expect(run.code, run.output).toBe(0);
  });
});
