// The test command of the Stryker run: `npm test`, strict, against the embedded emulator only. The
// caller's RUNBASE_* settings and .env are left out, so a mutant is never judged by (or sent to) a
// configured deployment, and every mutant is judged by the same seeded run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('PACT_BROKER'));
// Stryker's workers share one sandbox: each run gets its own report directory, or the second of two
// runs at once ends in 'report directory in use' (exit 2), which Stryker would count as a kill.
const reportDir = mkdtempSync(join(tmpdir(), 'runbase-mutant-'));
const env = { ...Object.fromEntries(inherited), RUNBASE_STRICT: '1', RUNBASE_ENV_FILE: '/dev/null', RUNBASE_REPORT_DIR: reportDir, NO_COLOR: '1' };
const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts'], { cwd: repoRoot, env, stdio: 'inherit' });
rmSync(reportDir, { recursive: true, force: true });
process.exit(run.status ?? 1);
