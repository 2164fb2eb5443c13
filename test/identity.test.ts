// Honest identity: every request of a run (the preflight's, the rules', Pact's verifier's) carries
// User-Agent: runbase-conformance/<version>, or RUNBASE_USER_AGENT; the probes' run ids and keys are
// drawn from the run's seed, not fixed strings a target could recognise.
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/settings/index.ts';
import { absentRunId, seededToken } from '../src/conformance/requests.ts';
import { documentedErrorRequests } from '../src/conformance/documented-errors.ts';
import { countedEmulator, type ProxyCounts } from '../src/selftest/hostile.ts';
import { runConformance } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const close of closers) await close(); });

async function agentsSeen(extra: Record<string, string>): Promise<Set<string>> {
  const counts: ProxyCounts = { seen: 0, cheated: 0, agents: new Set() };
  const target = await countedEmulator(counts)();
  closers.push(() => target.close());
  const run = await runConformance({ ...target.env, RUNBASE_SUITES: 'auth,pact', RUNBASE_RUNS: '1', ...extra });
  expect(run.code, run.output).toBe(0);
  return counts.agents!;
}

describe('honest identity', () => {
  it('every request carries User-Agent: runbase-conformance/<version>', async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect([...await agentsSeen({})]).toEqual([`runbase-conformance/${VERSION}`]);
  });

  it('RUNBASE_USER_AGENT overrides it, for every request', async () => {
    expect([...await agentsSeen({ RUNBASE_USER_AGENT: 'acme-gate/7 (+ops@acme.test)' })]).toEqual(['acme-gate/7 (+ops@acme.test)']);
  });

  it("probe run ids and keys come from the run's seed: shaped like real ones, replayed by the same seed, different under another", () => {
    expect(absentRunId('RUN-NOT-FOUND', 42)).toBe(absentRunId('RUN-NOT-FOUND', 42));
    expect(absentRunId('RUN-NOT-FOUND', 42)).not.toBe(absentRunId('RUN-NOT-FOUND', 43));
    expect(absentRunId('RUN-NOT-FOUND', 42)).toMatch(/^run_[A-Za-z0-9]{24}$/);
    const probeKey = (seed: number) => documentedErrorRequests('m', seed).find((p) => p.fault === 'unknownKey')!.header!;
    expect(probeKey(1)).not.toBe(probeKey(2));
    expect(probeKey(1)).not.toMatch(/conformance|0000/);
    const tokens = new Set(Array.from({ length: 200 }, (_, i) => seededToken(i, 'x', 8)));
    expect(tokens.size).toBe(200);
  });
});
