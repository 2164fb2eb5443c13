// `npm run test:self` checks what it needs before any test runs: with CI=true and nothing but node on
// PATH (no curl, no shells, no Java) and no Chromium, it fails at once naming each missing piece,
// instead of after minutes of other tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { missingPrerequisites } from '../src/selftest/prerequisites.ts';
import { cleanEnv, repoRoot } from './helpers.ts';

it('names every missing prerequisite', () => {
  const bare = mkdtempSync(join(tmpdir(), 'runbase-bare-path-'));
  const saved = process.env.PATH;
  process.env.PATH = bare;
  try {
    const names = missingPrerequisites(repoRoot, { CHROMIUM_PATH: join(bare, 'chromium') }).map((m) => m.split(' (')[0]);
    expect(names).toEqual(['curl', 'bash', 'sh', 'Chromium', 'Java 17+']);
  } finally {
    process.env.PATH = saved;
    rmSync(bare, { recursive: true, force: true });
  }
});

it.each([['self', 'src/runner/runner.test.ts'], ['proofs', 'test/proofs/cli.test.ts']])('with CI=true, test:%s fails before any test runs, naming itself and what is missing', async (project, file) => {
  const bin = mkdtempSync(join(tmpdir(), 'runbase-node-only-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', project, file], {
    cwd: repoRoot, env: { ...cleanEnv(), CI: 'true', PATH: bin, CHROMIUM_PATH: join(bin, 'chromium') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  rmSync(bin, { recursive: true, force: true });
  expect(code, output).not.toBe(0);
  expect(output).toContain(`test:${project} cannot run with CI=true; missing:`);
  for (const name of ['curl', 'Chromium', 'Java 17+']) expect(output).toContain(`- ${name} (for `);
  // Not one test ran.
  expect(output).not.toMatch(/Tests +\d+ passed/);
});
