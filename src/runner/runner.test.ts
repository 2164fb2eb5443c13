// Shards, runner arguments and the progress estimate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import { inShard, parseShard, rulesOfShard, ShardError, shardOfRule } from '../contract/shard.ts';
import { runnerArgs } from './args.ts';
import { ConfigError, loadConfig } from '../settings/index.ts';
import { etaMs, progressLine, progressMode } from '../report/progress.ts';

const ids = contract.rules.rules.map((r) => r.id);

describe('shards', () => {
  it('reads i/n and refuses anything else', () => {
    expect(parseShard(undefined)).toBeUndefined();
    expect(parseShard('')).toBeUndefined();
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1-4', '2', `1/${ids.length + 1}`]) expect(() => parseShard(bad), bad).toThrow(ShardError);
  });

  it('deals every rule to exactly one shard, balanced within one rule, the same every time', () => {
    for (const count of [1, 2, 3, 4, 7]) {
      const slices = Array.from({ length: count }, (_, i) => rulesOfShard({ index: i + 1, count }));
      expect(slices.flat().sort()).toEqual([...ids].sort());
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      for (const id of ids) expect(slices.filter((s) => s.includes(id))).toHaveLength(1);
      expect(Array.from({ length: count }, (_, i) => rulesOfShard({ index: i + 1, count }))).toEqual(slices);
    }
    // Round-robin over the catalogue spreads each family (the slow rate-limit rules above all).
    const limits = contract.rules.rules.filter((r) => r.family === 'limits').map((r) => shardOfRule(r.id, 4));
    expect(new Set(limits).size).toBe(4);
    expect(inShard(ids[0]!, undefined)).toBe(true);
  });
});

const NO_FILE = { RUNBASE_ENV_FILE: '/dev/null' };

describe('runner arguments', () => {
  it('reads the runner settings from the settings file too, the environment winning, the arguments over both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase-args-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'RUNBASE_SHARD=2/4\nRUNBASE_CONCURRENCY=3\nRUNBASE_SUITES=auth\n');
    expect(loadConfig({ RUNBASE_ENV_FILE: file })).toMatchObject({ shard: { index: 2, count: 4 }, concurrency: 3, suites: ['auth'], envFile: file });
    expect(loadConfig({ RUNBASE_ENV_FILE: file, RUNBASE_SHARD: '1/4' }).shard).toEqual({ index: 1, count: 4 });
    expect(loadConfig({ RUNBASE_ENV_FILE: file, RUNBASE_SHARD: '1/4' }, { overrides: runnerArgs(['--shard=3/4']).env }).shard).toEqual({ index: 3, count: 4 });
    writeFileSync(file, 'RUNBASE_CONCURRENCY=lots\n');
    expect(() => loadConfig({ RUNBASE_ENV_FILE: file })).toThrow(ConfigError);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes --shard and suite files for the runner and leaves the rest to vitest', () => {
    expect(runnerArgs(['--shard=2/3', '-t', 'AUTH'])).toEqual({ argv: ['-t', 'AUTH'], env: { RUNBASE_SHARD: '2/3' } });
    expect(runnerArgs(['--shard', '1/2', 'suites/limits.test.ts', './suites/auth.test.ts'])).toEqual({ argv: [], env: { RUNBASE_SHARD: '1/2', RUNBASE_SUITES: 'limits,auth' } });
    expect(() => loadConfig(NO_FILE, { overrides: runnerArgs(['--shard=3/2']).env })).toThrow(ShardError);
    expect(() => loadConfig({ ...NO_FILE, RUNBASE_SHARD: 'half' })).toThrow(ShardError);
    expect(() => loadConfig({ ...NO_FILE, RUNBASE_CONCURRENCY: '0' })).toThrow(/RUNBASE_CONCURRENCY must be an integer from 1 to 64/);
    expect(loadConfig({ ...NO_FILE, RUNBASE_CONCURRENCY: '3' }).concurrency).toBe(3);
    expect(loadConfig(NO_FILE).concurrency).toBe(16);
  });
});

describe('progress', () => {
  const snapshot = { requests: 100, maxRequests: 1500, poolRatePerSecond: 4, clock: 'real' as const };

  it('estimates the time left from the requests per rule so far and the pool rate', () => {
    // 100 requests over 10 rules → 10 per rule; 30 rules left → 300 requests at 4/s → 75 s.
    expect(etaMs({ done: 10, total: 40, elapsedMs: 5_000, snapshot })).toBe(75_000);
    // Never past the run's request budget.
    expect(etaMs({ done: 1, total: 40, elapsedMs: 5_000, snapshot: { ...snapshot, maxRequests: 120 } })).toBe(5_000);
    expect(etaMs({ done: 0, total: 40, elapsedMs: 0, snapshot })).toBeUndefined();
    expect(etaMs({ done: 10, total: 40, elapsedMs: 0, snapshot: { ...snapshot, clock: 'virtual' } })).toBeUndefined();
    expect(progressLine({ done: 10, total: 40, elapsedMs: 65_000, snapshot })).toBe('  … 10/40 rules · 100 requests · 1 min 5 s elapsed · ETA ~1 min 15 s');
  });

  it('is live on a terminal, lines elsewhere, and can be turned off', () => {
    expect(progressMode(undefined, true)).toBe('live');
    expect(progressMode(undefined, false)).toBe('lines');
    expect(progressMode(loadConfig({ ...NO_FILE, RUNBASE_PROGRESS: 'off' }).progress, true)).toBe('off');
    expect(() => loadConfig({ ...NO_FILE, RUNBASE_PROGRESS: 'quiet' })).toThrow(ConfigError);
  });
});
