// Verdicts that hold on a real network: the faithful emulator, in real time, behind a seeded
// latency/jitter proxy on loopback, passes cleanly with one key and with two; deviations whose only
// fault is a wrong answer on a 429 path, and a few existing ones, are still caught there. Each run is
// `npm test` as a child process in real time, so they are small (RUNBASE_RUNS). They run all at once:
// each has its own emulator, proxy and keys, and spends nearly all its time waiting on the documented
// 20 requests / 10 s, so together they take about as long as the longest of them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { startEmulator, provisionFixtures } from '../../src/emulator/index.ts';
import { startLatencyProxy } from '../../src/selftest/latency-proxy.ts';
import { deviationByName, type Deviation } from '../../src/selftest/deviations.ts';
import { judge } from '../../src/selftest/matrix.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { runConformance, type CliRun } from '../helpers.ts';

interface Network { keys: 1 | 2; meanMs: number; jitterMs: number; seed: number }
const ONE_KEY_NEAR: Network = { keys: 1, meanMs: 150, jitterMs: 100, seed: 7 };
const TWO_KEYS_FAR: Network = { keys: 2, meanMs: 500, jitterMs: 300, seed: 8 };

interface ProxiedRun extends CliRun { report?: ConformanceReport }

/** `npm test` against an emulator (faithful, or with a deviation's steps) in real time behind the proxy. */
async function runBehindProxy(net: Network, opts: { deviation?: Deviation; files?: string[]; runs?: number; timeoutMs?: number } = {}): Promise<ProxiedRun> {
  const emulator = await startEmulator({ clock: 'real', ...(opts.deviation ? { steps: opts.deviation.steps() } : {}) });
  const proxy = await startLatencyProxy({ target: emulator.url, seed: net.seed, meanMs: net.meanMs, jitterMs: net.jitterMs });
  try {
    const env = provisionFixtures(emulator.state, { url: proxy.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken, poolSize: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-latency-'));
    const pool = env.RUNBASE_API_KEY!.split(',').slice(0, net.keys).join(',');
    const run = await runConformance({
      ...env, RUNBASE_API_KEY: pool, RUNBASE_CLOCK: 'real', RUNBASE_RUNS: String(opts.runs ?? 3), RUNBASE_MAX_REQUESTS: '5000',
      RUNBASE_REPORT_DIR: dir, RUNBASE_SEED: String(net.seed),
    }, opts.timeoutMs ?? 1_500_000, opts.files ?? []);
    let report: ConformanceReport | undefined;
    try { report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport; } catch { report = undefined; }
    return { ...run, ...(report ? { report } : {}) };
  } finally {
    await proxy.close();
    await emulator.close();
  }
}

const verdicts = (run: ProxiedRun, verdict: string) => (run.report?.rules ?? []).filter((r) => r.verdict === verdict).map((r) => r.id);

describe.concurrent('the faithful emulator behind a latency proxy', () => {
  it('passes with one key at 150 ± 100 ms: exit 0, nothing failed or warned', async ({ expect }) => {
    const run = await runBehindProxy(ONE_KEY_NEAR);
    expect({ exit: run.code, failed: verdicts(run, 'failed'), warned: verdicts(run, 'warned') }, run.output.slice(-4000)).toEqual({ exit: 0, failed: [], warned: [] });
  }, 1_600_000);

  it('passes with two keys at 500 ± 300 ms: exit 0, nothing failed or warned', async ({ expect }) => {
    const run = await runBehindProxy(TWO_KEYS_FAR);
    expect({ exit: run.code, failed: verdicts(run, 'failed'), warned: verdicts(run, 'warned') }, run.output.slice(-4000)).toEqual({ exit: 0, failed: [], warned: [] });
  }, 1_600_000);
});

// Each deviation runs the suite files that hold its rules, so the real-time run stays short.
const CAUGHT_BEHIND_PROXY: { name: string; files: string[] }[] = [
  { name: 'expired-key-rate-limited', files: ['suites/auth.test.ts'] },
  { name: 'quota-exhausted-rate-limited', files: ['suites/limits.test.ts'] },
  { name: 'invalid-json-rate-limited', files: ['suites/malformed.test.ts'] },
  { name: 'spoofed-ip-rate-limited', files: ['suites/money-access.test.ts'] },
  { name: 'key-echoed-in-message', files: ['suites/envelope.test.ts'] },
  { name: 'invalid-utf8-500', files: ['suites/malformed.test.ts', 'suites/server-errors.test.ts'] },
  { name: 'rate-limit-19', files: ['suites/limits.test.ts'] },
];

describe.concurrent('deviations behind a latency proxy', () => {
  for (const { name, files } of CAUGHT_BEHIND_PROXY) {
    it(`catches ${name}: exit 1, naming its rules`, async ({ expect }) => {
      const deviation = deviationByName(name);
      const run = await runBehindProxy(TWO_KEYS_FAR, { deviation, files, runs: 3 });
      const verdict = judge(deviation, { exitCode: run.code, output: run.output, ms: 0, ...(run.report ? { report: run.report } : {}) }, { exitCode: 0, output: '', ms: 0 });
      expect({ caughtBy: verdict.caughtBy, unrelated: verdict.unrelatedGateFailures, exit: run.code }, run.output.slice(-4000))
        .toEqual({ caughtBy: deviation.caughtBy, unrelated: [], exit: 1 });
    }, 900_000);
  }
});
