// The suite as an installed package: `npm pack`, install the tarball into an empty project (its
// dependencies from the npm registry or cache), and run the `bin` commands there with `npx`, in the
// user's directory, without the repository: `runbase-conformance` runs against the embedded emulator
// and exits 0 with its reports in the user's ./reports; every command answers --help. The project's
// path has a space in it, and the install holds the package's dependencies only (no devDependencies:
// no DOM library, no browser driver, no interop tools), as a user's install does.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, cleanEnv } from '../helpers.ts';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let project: string;

/** A command in the user's project, bounded in time; its exit code and output (never throws). */
async function inProject(cmd: string, args: string[], timeout: number): Promise<{ code: number; output: string }> {
  try {
    // As a user runs it: the project's own .env (none here), no settings file named.
    const env = cleanEnv();
    delete env.RUNBASE_ENV_FILE;
    const { stdout, stderr } = await run(cmd, args, { cwd: project, env, timeout, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.killed ? '(killed: over time)\n' : ''}${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the installed package', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase package-'));
    const { stdout } = await run(npm, ['pack', '--silent', '--pack-destination', dir], { cwd: repoRoot, timeout: 120_000 });
    const tarball = join(dir, stdout.trim().split('\n').at(-1)!);
    project = join(dir, 'my project');
    await run('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), '{ "name": "empty-project", "version": "1.0.0", "private": true }\n');
    await run(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, timeout: 400_000 });
  }, 540_000);

  it('installs without the devDependencies, and adds nothing to the user\'s package.json but itself', () => {
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.dependencies));
    expect(devOnly.length).toBeGreaterThan(0);
    for (const d of devOnly) expect({ d, installed: existsSync(join(project, 'node_modules', d, 'package.json')) }).toEqual({ d, installed: false });
    const user = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: Record<string, string> };
    expect(Object.keys(user.dependencies)).toEqual(['runbase-conformance']);
    expect(user.devDependencies).toBeUndefined();
  });

  it('has the four commands, each with --help', async () => {
    expect(Object.keys(pkg.bin).sort()).toEqual(['runbase-compare', 'runbase-conformance', 'runbase-deviant-emulator', 'runbase-emulator']);
    for (const bin of Object.keys(pkg.bin)) {
      const r = await inProject('npx', ['--no-install', bin, '--help'], 60_000);
      expect({ bin, code: r.code }, r.output).toEqual({ bin, code: 0 });
      expect(r.output).toMatch(/Usage: /);
    }
  }, 300_000);

  it('names an unknown deviation or option without a stack trace (exit 2)', async () => {
    for (const args of [['runbase-deviant-emulator', '--deviation', 'no-such-deviation'], ['runbase-emulator', '--no-such-option'], ['runbase-compare', '--no-such-option']]) {
      const r = await inProject('npx', ['--no-install', ...args], 60_000);
      expect({ args, code: r.code }, r.output).toEqual({ args, code: 2 });
      expect(r.output).not.toMatch(/\n\s+at /);
    }
    const list = await inProject('npx', ['--no-install', 'runbase-deviant-emulator', '--list'], 60_000);
    expect(list.output).toContain('forwarded-for-honoured');
  }, 300_000);

  it('runs the conformance suite against the embedded emulator from the user\'s directory: exit 0, reports in ./reports', async () => {
    const r = await inProject('npx', ['--no-install', 'runbase-conformance'], 300_000);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('exit 0: the target conforms');
    const report = JSON.parse(readFileSync(join(project, 'reports', 'conformance.json'), 'utf8')) as { outcome: string; target: { embedded: boolean } };
    expect(report).toMatchObject({ outcome: 'conforms', target: { embedded: true } });
    expect(existsSync(join(project, 'node_modules', 'runbase-conformance', 'reports'))).toBe(false);
  }, 330_000);
});
