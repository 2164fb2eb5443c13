// `npm run bench:hostile`: how long `npm test` takes to give up on each hostile loopback target
// (src/selftest/hostile.ts), with the default settings a user has. The goal is ≤ 30 s each; the
// figures go to reports/bench-hostile.json and the console, never into a test's assertion.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileCases, hostileCaseByName } from '../selftest/hostile.ts';

const GOAL_S = 30;
/** A run that has not ended by then is killed and recorded as not ending. */
const BOUND_MS = 300_000;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Measure { name: string; what: string; exit: number | null; expectedExits: readonly number[]; seconds: number; withinGoal: boolean }

function runOnce(env: Record<string, string>): Promise<{ exit: number | null; seconds: number }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('PACT_BROKER_')));
  const reports = mkdtempSync(join(tmpdir(), 'runbase-bench-hostile-'));
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts'], {
      cwd: repoRoot, stdio: 'ignore',
      env: { ...clean, RUNBASE_ENV_FILE: '/dev/null', RUNBASE_REPORT_DIR: reports, NO_COLOR: '1', ...env },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    child.on('close', (code) => { clearTimeout(timer); done({ exit: code, seconds: Math.round((performance.now() - t0) / 100) / 10 }); });
  });
}

async function main(names: string[]): Promise<number> {
  if (names.includes('--help')) {
    console.log(`usage: npm run bench:hostile [-- name …]\nnames: ${hostileCases.map((c) => c.name).join(', ')}`);
    return 0;
  }
  const cases = names.length ? names.map(hostileCaseByName) : hostileCases;
  const measures: Measure[] = [];
  for (const c of cases) {
    const target = await c.start();
    try {
      const { exit, seconds } = await runOnce(target.env);
      const m = { name: c.name, what: c.what, exit, expectedExits: c.exits, seconds, withinGoal: seconds <= GOAL_S && exit !== null && c.exits.includes(exit) };
      measures.push(m);
      console.log(`${m.withinGoal ? '✓' : '✗'} ${c.name.padEnd(16)} exit ${exit ?? 'none (killed)'} in ${seconds} s`);
    } finally {
      await target.close();
    }
  }
  const dir = resolve(repoRoot, 'reports');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bench-hostile.json');
  writeFileSync(file, `${JSON.stringify({ goalSeconds: GOAL_S, node: process.version, at: new Date().toISOString(), measures }, null, 2)}\n`);
  console.log(`written: ${file}`);
  return measures.every((m) => m.withinGoal) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
});
