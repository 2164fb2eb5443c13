// `npm run emulator`: prints the fixture variables, serves them, and stops cleanly on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract, errorByCode } from '../../src/contract/index.ts';
import { cleanEnv, repoRoot } from '../helpers.ts';

function startCli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/emulator.ts', ...args], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('npm run emulator', () => {
  it('prints every fixture variable, serves them, and exits 0 on SIGINT', async () => {
    const child = startCli(['--port', '0']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The announcement on stderr comes after the env lines: wait for it (bounded by the test timeout).
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', () => { if (stderr.includes('serving')) resolve(); });
    });
    const env = Object.fromEntries(stdout.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const fixture of Object.values(contract.fixtures)) for (const name of fixture.env) expect(env, name).toHaveProperty(name);
    expect(env.RUNBASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const key = env.RUNBASE_DISABLED_KEY!;
    const res = await request(`${env.RUNBASE_URL}${contract.limits.apiRootPath}/runs/run_x`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(errorByCode('invalid_api_key').status);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');
  });

  it('refuses a bad flag with exit 2', async () => {
    const child = startCli(['--port', 'eighty']);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--port');
  });

  it('--rate-limit off is load mode: announced loudly on stderr, and the documented limit no longer applies', async () => {
    const child = startCli(['--port', '0', '--rate-limit', 'off']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('serving')) resolve(); }));
    expect(stderr).toMatch(/LOAD MODE: rate limit off/);
    const url = /^RUNBASE_URL=(.*)$/m.exec(stdout)![1]!;
    const key = /^RUNBASE_API_KEY=([^,\n]*)/m.exec(stdout)![1]!;
    // Twice the documented budget, in well under its window: none is refused.
    const statuses: number[] = [];
    for (let i = 0; i < contract.limits.rateLimit.requests * 2; i++) {
      const res = await request(`${url}${contract.limits.apiRootPath}/runs/run_x`, { headers: { authorization: `Bearer ${key}` } });
      await res.body.dump();
      statuses.push(res.statusCode);
    }
    expect(statuses.every((s) => s === errorByCode(contract.errors.faults.unknownRun.code).status)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('--rate-limit N/Ms sets another limit; a bad value exits 2; the default announces no load mode', async () => {
    const run = async (args: string[]) => {
      const child = startCli(args);
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      let stopping = false;
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!stopping && stderr.includes('serving')) { stopping = true; child.kill('SIGINT'); }
      });
      return { code: await exited, stderr };
    };
    const custom = await run(['--port', '0', '--rate-limit', '100/1000']);
    expect(custom.code).toBe(0);
    expect(custom.stderr).toContain('LOAD MODE: rate limit 100 requests per 1000 ms per key');
    const bad = await run(['--port', '0', '--rate-limit', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rate-limit');
    const normal = await run(['--port', '0']);
    expect(normal.code).toBe(0);
    expect(normal.stderr).not.toContain('LOAD MODE');
  });

  it('--choices FILE and --choice NAME=VALUE set open choices (the later word wins), announced on stderr; a value the choice does not take is exit 2 naming its values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase-choices-'));
    const file = join(dir, 'choices.json');
    writeFileSync(file, JSON.stringify({ choices: { contentType: { default: 'lenient' }, unknownRouteStatus: { default: 400 } } }));
    const child = startCli(['--port', '0', '--choices', file, '--choice', 'contentType=415']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('serving')) resolve(); }));
    expect(stderr).toMatch(/open choices other than the reference emulator's: unknownRouteStatus=400 contentType=415/);
    const url = /^RUNBASE_URL=(.*)$/m.exec(stdout)![1]!;
    const key = /^RUNBASE_API_KEY=([^,\n]*)/m.exec(stdout)![1]!;
    const typed = await request(`${url}${contract.limits.apiRootPath}/runs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body: '{}' });
    expect(typed.statusCode).toBe(415);
    await typed.body.dump();
    const route = await request(`${url}${contract.limits.apiRootPath}/nope`);
    expect(route.statusCode).toBe(400);
    await route.body.dump();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });

    const bad = startCli(['--port', '0', '--choice', 'rateWindow=hourly']);
    let badErr = '';
    bad.stderr.on('data', (d) => { badErr += d; });
    expect(await new Promise<number | null>((resolve) => bad.on('close', resolve))).toBe(2);
    expect(badErr).toContain('rateWindow takes "sliding" | "fixed-first-request" | "fixed-wall-clock"');
  });
});
