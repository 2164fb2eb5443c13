// Interop: the tools people point at contracts/openapi.json, run from the committed document against
// the emulator over real loopback HTTP. Slow, so bounded; a tool that is not installed skips with the
// reason, except under CI=true, where it must run. Each tool is also shown a deviant emulator, so a
// green here cannot come from a tool that checks nothing.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../../src/selftest/free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { contract, contractsDir } from '../../src/contract/index.ts';
import { startEmulator, provisionFixtures, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { cleanEnv, repoRoot, runConformance } from '../helpers.ts';

const documentPath = join(contractsDir, 'openapi.json');
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
const specmaticJar = join(repoRoot, 'node_modules', 'specmatic', 'specmatic.jar');
const CI = process.env.CI === 'true';

/** Why a tool cannot run here, or undefined when it can. */
const missing = {
  specmatic(): string | undefined {
    if (!existsSync(specmaticJar)) return 'npm package specmatic is not installed (npm install)';
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    if (java.error || java.status !== 0) return `java is not on PATH (Specmatic needs Java 17+): ${java.error?.message ?? java.stderr}`;
    const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
    return major >= 17 ? undefined : `Specmatic needs Java 17+, found ${java.stderr.split('\n')[0]}`;
  },
  prism: (): string | undefined => (existsSync(bin('prism')) ? undefined : 'npm package @stoplight/prism-cli is not installed (npm install)'),
  dredd: (): string | undefined => (existsSync(bin('dredd')) ? undefined : 'npm package dredd is not installed (npm install)'),
};

/** Skip with the reason, unless CI=true: then a missing tool fails the test. */
function requireTool(ctx: { skip: (note?: string) => never }, why: string | undefined): void {
  if (why === undefined) return;
  if (CI) throw new Error(`CI=true but the interop tool cannot run: ${why}`);
  ctx.skip(why);
}

interface ToolRun { code: number | null; output: string; timedOut: boolean }

/** A tool as a child process, killed after `timeoutMs`. */
function runTool(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number }): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output, timedOut }); });
  });
}

/** An emulator with its fixtures: load mode unless the options say otherwise. */
async function emulator(opts: EmulatorOptions = {}): Promise<{ emu: RunningEmulator; env: Record<string, string>; key: string }> {
  const emu = await startEmulator({ rateLimit: 'off', ...opts });
  const env = provisionFixtures(emu.state, { url: emu.url, adminUrl: emu.adminUrl, adminToken: emu.adminToken });
  return { emu, env, key: env.RUNBASE_API_KEY!.split(',')[0]! };
}

const deviant = (name: string): EmulatorOptions => ({ steps: deviationByName(name).steps() });

// ---------------------------------------------------------------------------------------------------
// Specmatic: `specmatic test` with generative tests, the bearer key in the env var named for the scheme.

async function specmatic(url: string, key: string, extra: string[], timeoutMs: number) {
  const cwd = mkdtempSync(join(tmpdir(), 'runbase-specmatic-'));
  try {
    const run = await runTool('java', ['-jar', specmaticJar, 'test', documentPath, '--testBaseURL', url, ...extra], {
      cwd, timeoutMs, env: { bearerAuth: key, SPECMATIC_GENERATIVE_TESTS: 'true' },
    });
    const m = /Tests run: (\d+), Successes: (\d+), Failures: (\d+)(?:, WIP: (\d+))?, Errors: (\d+)/.exec(run.output);
    return { ...run, total: Number(m?.[1] ?? -1), successes: Number(m?.[2] ?? -1), failures: Number(m?.[3] ?? -1), errors: Number(m?.[5] ?? -1) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

describe('Specmatic generative tests (SPECMATIC_GENERATIVE_TESTS=true) from contracts/openapi.json', () => {
  it('pass against the emulator in load mode with 0 failures, covering create, read and their 400/401/404 examples', async (ctx) => {
    requireTool(ctx, missing.specmatic());
    const { emu, key } = await emulator();
    try {
      const run = await specmatic(emu.url, key, [], 420_000);
      expect(run.timedOut, 'specmatic timed out').toBe(false);
      expect(run.total, run.output.slice(-3000)).toBeGreaterThan(100);
      expect({ failures: run.failures, errors: run.errors }, run.output.slice(-5000)).toEqual({ failures: 0, errors: 0 });
      expect(run.successes).toBe(run.total);
      // Scenarios that ran and succeeded, from the inline examples and from contracts/openapi_examples.
      for (const [op, status] of [['POST /api/v1/runs', 201], ['POST /api/v1/runs', 400], ['POST /api/v1/runs', 401], ['GET /api/v1/runs/(id:string)', 200], ['GET /api/v1/runs/(id:string)', 401], ['GET /api/v1/runs/(id:string)', 404]] as const) {
        expect(run.output, `${op} -> ${status}`).toContain(`Scenario: ${op} -> ${status} with the request from the example`);
      }
    } finally {
      await emu.close();
    }
  }, 480_000);

  it('fail against an emulator whose run lacks costUsd (the same document, read only)', async (ctx) => {
    requireTool(ctx, missing.specmatic());
    const { emu, key } = await emulator(deviant('read-run-without-cost'));
    try {
      const run = await specmatic(emu.url, key, ["--filter=METHOD='GET'"], 180_000);
      expect(run.timedOut).toBe(false);
      expect(run.failures, run.output.slice(-3000)).toBeGreaterThan(0);
      expect(run.output).toMatch(/costUsd/);
    } finally {
      await emu.close();
    }
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------------
// Prism: `prism proxy` in log mode (--errors=false) in front of the emulator; violations are logged.

async function prismProxy(upstream: string): Promise<{ url: string; log: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(bin('prism'), ['proxy', documentPath, upstream, '--host', '127.0.0.1', '--port', String(port), '--errors=false'], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism proxy did not start in 60 s:\n${log}`)), 60_000);
    const onData = (d: Buffer) => {
      log += d;
      if (log.includes('Prism is listening')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => { clearTimeout(timer); reject(new Error(`prism proxy exited ${code}:\n${log}`)); });
  });
  return { url: `http://127.0.0.1:${port}`, log: () => log, stop: async () => { child.kill('SIGTERM'); await closed; } };
}

/**
 * Prism's limits as a proxy: a request whose path does not percent-decode (run_%FF, SRV-NO-5XX's probe)
 * ends the `prism proxy` process, and a body that is not UTF-8 is forwarded re-encoded (U+FFFD), so it
 * no longer reaches the target as sent (BR-INVALID-JSON's catalogue). Such requests go around Prism,
 * straight to the emulator, through this small front on loopback; every other request goes through Prism.
 */
async function aroundPrismLimits(prism: string, emulatorUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const prismTakes = (path: string, body: Buffer) => { try { decodeURIComponent(path); utf8.decode(body); return true; } catch { return false; } };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const out = httpRequest((prismTakes(req.url ?? '/', body) ? prism : emulatorUrl) + (req.url ?? '/'), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const violations = (log: string, where: 'request' | 'response') => log.split('\n').filter((l) => l.includes(`Violation: ${where}`));

describe('the conformance run through `prism proxy` (log mode)', () => {
  it('gives 0 response violations', async (ctx) => {
    requireTool(ctx, missing.prism());
    // The documented limit on the virtual clock: the suite's own rate-limit rules run too.
    const { emu, env } = await emulator({ clock: 'virtual', rateLimit: undefined });
    const proxy = await prismProxy(emu.url);
    const front = await aroundPrismLimits(proxy.url, emu.url);
    const reports = mkdtempSync(join(tmpdir(), 'runbase-prism-'));
    try {
      const run = await runConformance({ ...env, RUNBASE_URL: front.url, RUNBASE_CLOCK: 'virtual', RUNBASE_REPORT_DIR: reports }, 360_000);
      // The suite judges the emulator behind Prism; exit 2 would mean it never got to.
      expect(run.code === 0 || run.code === 1, run.output.slice(-3000)).toBe(true);
      // Prism's other limit: it answers 500 to deeply nested JSON itself. That is SRV-NO-5XX's failure
      // of those requests alone; anything else failing is not Prism's.
      const report = JSON.parse(readFileSync(join(reports, 'conformance.json'), 'utf8')) as { rules: { id: string; verdict: string; failures: { check: string; message: string; counterexample?: string; actual?: string }[] }[] };
      const failed = report.rules.filter((r) => r.verdict === 'failed');
      expect(failed.map((r) => r.id).filter((id) => id !== 'SRV-NO-5XX'), JSON.stringify(failed.map((r) => [r.id, r.failures.slice(0, 2)])).slice(0, 3000)).toEqual([]);
      for (const f of failed.flatMap((r) => r.failures)) expect(f.check).toBe('no5xx');
      const log = proxy.log();
      const forwarded = log.split('\n').filter((l) => l.includes('Forwarding')).length;
      expect(forwarded, 'requests Prism forwarded').toBeGreaterThan(200);
      // Prism's validator is on: the suite's deliberately bad requests are flagged on the request side.
      expect(violations(log, 'request').length).toBeGreaterThan(0);
      expect(violations(log, 'response'), violations(log, 'response').slice(0, 20).join('\n')).toEqual([]);
    } finally {
      await front.close();
      await proxy.stop();
      await emu.close();
      rmSync(reports, { recursive: true, force: true });
    }
  }, 420_000);

  it('reports response violations for an emulator whose invalid_input lacks `message`', async (ctx) => {
    requireTool(ctx, missing.prism());
    const { emu, key } = await emulator(deviant('envelope-missing-message'));
    const proxy = await prismProxy(emu.url);
    try {
      const createPath = contract.limits.apiRootPath + contract.limits.endpoints.createRun.path;
      const doc = JSON.parse(readFileSync(documentPath, 'utf8'));
      const body = JSON.stringify(doc.paths[createPath].post.requestBody.content['application/json'].examples[contract.errors.faults.schemaViolation.code].value);
      const res = await request(proxy.url + createPath, { method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
      await res.body.dump();
      // Prism logs after it answers: wait for the line, bounded.
      for (let i = 0; i < 50 && violations(proxy.log(), 'response').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(violations(proxy.log(), 'response').length, proxy.log()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
      await emu.close();
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// Dredd 14: its OpenAPI 3 reader is experimental ("3.1.0 is not fully supported") but reads the document.

const dreddHooks = join(repoRoot, 'test', 'interop', 'dredd-hooks.cjs');

async function dredd(url: string, key: string) {
  const run = await runTool(bin('dredd'), [documentPath, url, '--header', `Authorization: Bearer ${key}`, '--hookfiles', dreddHooks, '--loglevel', 'warning'], { timeoutMs: 120_000 });
  const m = /complete: (\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, (\d+) total/.exec(run.output.replace(/\x1b\[[0-9;]*m/g, ''));
  return { ...run, passing: Number(m?.[1] ?? -1), failing: Number(m?.[2] ?? -1), errors: Number(m?.[3] ?? -1), skipped: Number(m?.[4] ?? -1) };
}

describe('Dredd 14 from contracts/openapi.json', () => {
  it('passes against the emulator in load mode (success answers; the rest skipped by its hooks file)', async (ctx) => {
    requireTool(ctx, missing.dredd());
    const { emu, key } = await emulator();
    try {
      const run = await dredd(emu.url, key);
      expect(run.timedOut).toBe(false);
      expect({ passing: run.passing, failing: run.failing, errors: run.errors }, run.output.slice(-3000)).toEqual({ passing: 2, failing: 0, errors: 0 });
      expect(run.code).toBe(0);
    } finally {
      await emu.close();
    }
  }, 180_000);

  it('fails against an emulator that answers a create with 200', async (ctx) => {
    requireTool(ctx, missing.dredd());
    const { emu, key } = await emulator(deviant('create-returns-200'));
    try {
      const run = await dredd(emu.url, key);
      expect(run.failing, run.output.slice(-3000)).toBeGreaterThan(0);
      expect(run.code).not.toBe(0);
    } finally {
      await emu.close();
    }
  }, 180_000);
});
