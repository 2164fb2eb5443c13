// How do we know this suite works? It must fail every deviant emulator for the right rule, warn or
// record the warn and observe deviations without failing a gate, and pass the faithful emulator on
// ten seeds. Writes mutation.md and .json (to a temporary directory; `npm run mutation` writes reports/).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviations, deviationByName } from '../../src/selftest/deviations.ts';
import { MATRIX_DEFAULTS, runMatrix, writeMutationReport, type MatrixResult } from '../../src/selftest/matrix.ts';
import { contract } from '../../src/contract/index.ts';
import { repoRoot, cleanEnv, runConformance } from '../helpers.ts';

const SEEDS = Array.from({ length: MATRIX_DEFAULTS.seeds }, (_, i) => i + 1);
let matrix: MatrixResult;

describe('the mutation matrix', () => {
  it('runs every deviation and the faithful emulator on ten seeds (several at once), and writes the kill report', async () => {
    matrix = await runMatrix(deviations, { seeds: SEEDS, runs: MATRIX_DEFAULTS.runs });
    const files = writeMutationReport(matrix, mkdtempSync(join(tmpdir(), 'runbase-mutation-')));
    expect(files).toHaveLength(2);
  }, 1_800_000); // 72+ whole runs on a 2-core machine; its speed is measured by `npm run mutation`, not here

  it('has at least 30 deviations, one or more for every gate rule, several per family', () => {
    expect(deviations.length).toBeGreaterThanOrEqual(30);
    const covered = new Set(deviations.filter((d) => d.level === 'gate').flatMap((d) => d.caughtBy));
    const gates = contract.rules.rules.filter((r) => r.level === 'gate').map((r) => r.id);
    expect(gates.filter((id) => !covered.has(id))).toEqual([]);
    for (const family of contract.rules.families.filter((f) => f !== 'pact')) expect(deviations.filter((d) => d.family === family).length, family).toBeGreaterThanOrEqual(2);
    expect(deviations.some((d) => d.level === 'warn') && deviations.some((d) => d.level === 'observe')).toBe(true);
  });

  it('kills every deviation: the named rules notice it and no unrelated gate rule fails', () => {
    const survivors = matrix.verdicts.filter((v) => !v.killed).map((v) => `${v.deviation}: caught by [${v.caughtBy}] of [${v.expected}], unrelated [${v.unrelatedGateFailures}], exit ${v.exitCode}${v.diagnostic ? `\n${v.diagnostic}` : ''}`);
    expect(survivors).toEqual([]);
    expect(matrix.gateKillRate).toBe(1);
  });

  it('passes the faithful emulator cleanly on every seed', () => {
    // The faithful emulator never answers 500: SRV-500-SHAPE judges nothing, so it is skipped (never passed) for that reason.
    for (const s of matrix.seeds) expect({ seed: s.seed, exit: s.exitCode, failed: s.failed, warned: s.warned, skipped: s.skipped, nothingToJudge: s.nothingToJudge }).toEqual({ seed: s.seed, exit: 0, failed: [], warned: [], skipped: [], nothingToJudge: ['SRV-500-SHAPE'] });
  });

  it('catches a deviation served by a standalone emulator process', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/deviant-emulator.ts', '--deviation', 'forwarded-for-honoured'], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d) => { stdout += d; });
        child.stderr.on('data', (d) => { if (String(d).includes('serving')) resolve(); });
      });
      const env = Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const run = await runConformance({ ...env, RUNBASE_RUNS: '20' });
      expect(run.code, run.output).toBe(1);
      for (const id of deviationByName('forwarded-for-honoured').caughtBy) expect(run.stdout).toMatch(new RegExp(`✗ ${id} `));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
