// Answers judged as bytes too, end to end against hostile targets on loopback (src/selftest/hostile.ts):
// duplicate keys are reported by name (warn, the run still conforms), an envelope whose bytes are not
// UTF-8 fails ENV-SHAPE, and a key that is the prefix alone is a configuration error.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileCaseByName } from '../src/selftest/hostile.ts';
import type { ConformanceReport } from '../src/report/model.ts';
import { runConformance } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const close of closers) await close(); });

async function envelopeRun(name: string): Promise<{ code: number | null; output: string; report: ConformanceReport }> {
  const target = await hostileCaseByName(name).start();
  closers.push(() => target.close());
  const dir = join(mkdtempSync(join(tmpdir(), 'runbase-bytes-')), 'reports');
  const run = await runConformance({ ...target.env, RUNBASE_SUITES: 'envelope', RUNBASE_RUNS: '1', RUNBASE_REPORT_DIR: dir });
  return { code: run.code, output: run.output, report: JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport };
}

describe('answers judged as bytes', () => {
  it('a repeated key, the wrong value first: ENV-DUPLICATE-KEYS warns naming it', async () => {
    const { code, output, report } = await envelopeRun('duplicate-keys');
    expect(code, output).toBe(0);
    const rule = report.rules.find((r) => r.id === 'ENV-DUPLICATE-KEYS')!;
    expect(rule.verdict).toBe('warned');
    expect(rule.failures[0]?.message).toContain('error.code');
  });

  it('a message whose bytes are not UTF-8: ENV-SHAPE fails', async () => {
    const { code, output, report } = await envelopeRun('invalid-utf8-message');
    expect(code, output).toBe(1);
    const rule = report.rules.find((r) => r.id === 'ENV-SHAPE')!;
    expect(rule.verdict).toBe('failed');
    expect(rule.failures.map((f) => f.message)).toContain('the error body is not valid UTF-8 (in error.message)');
  });

  it("a key that is the prefix alone is a configuration error (exit 2), before any request", async () => {
    const run = await runConformance({ RUNBASE_URL: 'http://127.0.0.1:9', RUNBASE_API_KEY: 'sk-' });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain("configuration error: RUNBASE_API_KEY has nothing after 'sk-'");
  });
});
