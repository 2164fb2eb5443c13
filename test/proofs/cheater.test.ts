// Nothing passes unjudged. A cheater — a real proxy on loopback in front of the faithful emulator —
// answers `200 {}` to every request from its N-th on. Whatever N, the run must not conform: every
// request is judged by the rule that sent it, against what it was sent to provoke. N steps through a
// whole run (from just after the preflight to the last few requests), and each rule family runs
// alone behind a cheater from its first request. The runs share two long-lived runner processes
// (src/selftest/cli-runner.ts) and a few cases per property, to keep the proof CPU-cheap.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/index.ts';
import { cheaterAfter, type ProxyCounts } from '../../src/selftest/hostile.ts';
import { runnerPool } from '../../src/selftest/matrix.ts';
import { PREFLIGHT_MAX_REQUESTS } from '../../src/runner/preflight.ts';
import type { ConformanceReport } from '../../src/report/model.ts';

const RUNS = '3';
/** Steps through the run: this many values of N, spread evenly, plus the last few requests. */
const STEPS = 10;
const FROM_THE_END = [5, 1];

const runners = runnerPool(2);
/** Requests in the honest run behind the proxy. */
let total = 0;
afterAll(() => runners.close());

interface CheatedRun { code: number | null; output: string; counts: ProxyCounts; report?: ConformanceReport }

/** `npm test` (main() in a runner) behind a cheater that answers `200 {}` after `n` requests. */
async function behindCheater(n: number, extra: Record<string, string> = {}): Promise<CheatedRun> {
  const counts: ProxyCounts = { seen: 0, cheated: 0 };
  const target = await cheaterAfter(n, counts)();
  const dir = mkdtempSync(join(tmpdir(), 'runbase-cheater-'));
  try {
    const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('RUNBASE_') && !e[0].startsWith('VITEST') && !e[0].startsWith('PACT_BROKER')));
    const { code, output } = await runners.run({ ...base, ...target.env, RUNBASE_RUNS: RUNS, RUNBASE_REPORT_DIR: dir, RUNBASE_ENV_FILE: '/dev/null', NO_COLOR: '1', ...extra });
    let report: ConformanceReport | undefined;
    try { report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport; } catch { report = undefined; }
    return { code, output, counts, ...(report ? { report } : {}) };
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Behind a cheater from `k` requests before the end. A run's length varies by a few requests (its
 * lifecycle polls interleave with other rules on the virtual clock), so a run that ended before it
 * was cheated proves nothing: it is sent again, `k` before the end it just had. Bounded.
 */
async function kBeforeTheEnd(k: number, lastSeen = total, tries = 3): Promise<{ n: number; run: CheatedRun }> {
  const n = lastSeen - k;
  const run = await behindCheater(n);
  if (run.counts.cheated > 0 || tries <= 1) return { n, run };
  return kBeforeTheEnd(k, run.counts.seen, tries - 1);
}

const tail = (run: CheatedRun) => run.output.split('\n').slice(-25).join('\n');

describe('a cheater that answers 200 {} from request N on never gets a pass', () => {

  beforeAll(async () => {
    // The proxy itself is faithful until it cheats: the whole run through it conforms.
    const honest = await behindCheater(Number.MAX_SAFE_INTEGER);
    expect(honest.code, tail(honest)).toBe(0);
    expect(honest.report?.unjudged).toBe(0);
    total = honest.counts.seen;
  }, 600_000);

  it(`N stepping through the whole run (${STEPS} values from the preflight on, and ${FROM_THE_END.join(' and ')} before the end): exit 1 every time`, async () => {
    const ns = Array.from({ length: STEPS }, (_, i) => PREFLIGHT_MAX_REQUESTS + Math.floor(((total - PREFLIGHT_MAX_REQUESTS) * i) / STEPS));
    const runs = await Promise.all([...ns.map(async (n) => ({ n, run: await behindCheater(n) })), ...FROM_THE_END.map((k) => kBeforeTheEnd(k))]);
    for (const { n, run } of runs) {
      // Each run must really have been cheated, else it proves nothing.
      expect(run.counts.cheated, `N=${n} of ${total}: the cheater never cheated`).toBeGreaterThan(0);
      expect(run.code, `N=${n} of ${total}:\n${tail(run)}`).toBe(1);
      expect(run.report?.outcome, `N=${n}`).toBe('broken');
    }
  }, 900_000);

  it('each rule family alone, from its first request after the preflight: exit 1 every time', async () => {
    const families = contract.rules.families;
    const runs = await Promise.all(families.map(async (family) => ({ family, run: await behindCheater(PREFLIGHT_MAX_REQUESTS, { RUNBASE_SUITES: family }) })));
    for (const { family, run } of runs) {
      expect(run.counts.cheated, family).toBeGreaterThan(0);
      expect(run.code, `${family}:\n${tail(run)}`).toBe(1);
      // No rule of the family is "passed" with nothing judged.
      for (const r of run.report?.rules.filter((r) => r.family === family && r.verdict === 'passed') ?? []) expect(r.cases, `${family}: ${r.id}`).toBeGreaterThan(0);
    }
  }, 900_000);
});
