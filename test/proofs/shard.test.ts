// Shards end to end: n shards of one seed, each `npm test` on its own emulator (its own keys), merged
// by `npm run report:merge`, give the verdicts of the unsharded run — against the faithful emulator,
// and against a deviant one whose fault only a rule that judges every exchange sees.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures } from '../../src/emulator/index.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { main as merge } from '../../src/cli/report-merge.ts';
import { contract } from '../../src/contract/index.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { runConformance } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'runbase-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

const SETTINGS = { RUNBASE_SEED: '7', RUNBASE_RUNS: '5', RUNBASE_PROGRESS: 'off' };
const read = (d: string): ConformanceReport => JSON.parse(readFileSync(join(d, 'conformance.json'), 'utf8'));
const verdicts = (r: ConformanceReport) => Object.fromEntries(r.rules.map((rule) => [rule.id, rule.verdict]));

/** One emulator, as one deployment; each run (each shard) gets its own keys and accounts on it. */
async function target(steps?: ReturnType<ReturnType<typeof deviationByName>['steps']>): Promise<() => Record<string, string>> {
  const emulator = await startEmulator({ clock: 'virtual', ...(steps ? { steps } : {}) });
  cleanups.push(() => emulator.close());
  return () => ({ ...provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken }), RUNBASE_CLOCK: 'virtual' });
}

async function runSharded(name: string, count: number, env: () => Record<string, string>): Promise<{ whole: ConformanceReport; merged: ConformanceReport; mergeCode: number; shardDirs: string[] }> {
  const wholeDir = join(dir, name, 'whole');
  const whole = await runConformance({ ...(env()), ...SETTINGS, RUNBASE_REPORT_DIR: wholeDir });
  expect(whole.code, whole.output).not.toBe(2);
  const shardDirs = Array.from({ length: count }, (_, i) => join(dir, name, `shard-${i + 1}`));
  for (const [i, shardDir] of shardDirs.entries()) {
    const run = await runConformance({ ...(env()), ...SETTINGS, RUNBASE_SHARD: `${i + 1}/${count}`, RUNBASE_REPORT_DIR: shardDir });
    expect(run.code, run.output).not.toBe(2);
    expect(run.stdout).toContain(`shard ${i + 1}/${count}`);
  }
  const mergedDir = join(dir, name, 'merged');
  const mergeCode = merge(['--out', mergedDir, ...shardDirs], {});
  return { whole: read(wholeDir), merged: read(mergedDir), mergeCode, shardDirs };
}

describe('shards merged = the unsharded run', () => {
  it('against the faithful emulator: 3 shards, disjoint slices, the same verdicts and exit code', async () => {
    const { whole, merged, mergeCode, shardDirs } = await runSharded('faithful', 3, await target());
    const slices = shardDirs.map((d) => read(d).rules.map((r) => r.id));
    expect(slices.flat().sort()).toEqual(contract.rules.rules.map((r) => r.id).sort());
    expect(slices.every((s) => s.length > 0 && s.length < contract.rules.rules.length)).toBe(true);
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(merged.summary).toEqual(whole.summary);
    expect(mergeCode).toBe(whole.exitCode);
    expect(merged.exitCode).toBe(0);
    expect(merged.mergedFrom).toHaveLength(3);
    for (const f of ['conformance.md', 'junit.xml', 'conformance.html']) expect(readFileSync(join(dir, 'faithful', 'merged', f), 'utf8')).toContain('AUTH-DISABLED');

    // Refusals (exit 2): another seed, another contract, a shard missing or given twice.
    const forged = (name: string, change: (r: ConformanceReport) => void) => {
      const report = read(shardDirs[0]!);
      change(report);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(report));
      return file;
    };
    const out = join(dir, 'refused');
    expect(merge(['--out', out, forged('seed', (r) => { r.seed += 1; }), shardDirs[1]!, shardDirs[2]!], {})).toBe(2);
    expect(merge(['--out', out, forged('contract', (r) => { r.contractVersion = '0000000000000000'; }), shardDirs[1]!, shardDirs[2]!], {})).toBe(2);
    expect(merge(['--out', out, shardDirs[0]!, shardDirs[1]!], {})).toBe(2);
    expect(merge(['--out', out, shardDirs[0]!, shardDirs[0]!, shardDirs[1]!, shardDirs[2]!], {})).toBe(2);
    expect(merge(['--out', out, join(dir, 'faithful', 'whole'), shardDirs[1]!], {})).toBe(2);
  }, 600_000);

  it('against a deviant emulator whose fault a rule that judges every exchange catches: the same failures, exit 1', async () => {
    const deviation = deviationByName('key-echoed-in-message');
    const { whole, merged, mergeCode } = await runSharded('deviant', 2, await target(deviation.steps()));
    expect(whole.exitCode).toBe(1);
    for (const id of deviation.caughtBy) expect(verdicts(whole)[id]).toBe('failed');
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(mergeCode).toBe(1);
  }, 600_000);
});
