// Running `npm test` (the conformance CLI) as a child process, as a user or CI would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The environment minus every RUNBASE_ variable and any .env file, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUNBASE_') && !k.startsWith('VITEST')));
  return { ...env, RUNBASE_ENV_FILE: '/dev/null', NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

export interface CliRun { code: number | null; stdout: string; stderr: string; output: string }

/** Run the conformance CLI (with `args`, e.g. suite file filters); bounded by `timeoutMs` (then killed). */
export function runConformance(env: Record<string, string>, timeoutMs = 240_000, args: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: repoRoot, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output: stdout + stderr });
    });
  });
}
