// `npm test` end to end: real HTTP to real servers on loopback, exit codes as documented.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { runConformance } from '../helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

async function emulatorEnv(opts: Parameters<typeof startEmulator>[0]): Promise<{ emulator: RunningEmulator; env: Record<string, string> }> {
  const emulator = await startEmulator(opts);
  cleanups.push(() => emulator.close());
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  return { emulator, env };
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const KEY = { RUNBASE_API_KEY: 'sk-conformancetestkey0001' };

describe('npm test', () => {
  it('passes the embedded reference emulator with every rule executed, even under RUNBASE_REQUIRE_ALL; only SRV-500-SHAPE, with no 500 to judge, is skipped (never passed)', async () => {
    const run = await runConformance({ RUNBASE_REQUIRE_ALL: '1' });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/conforms: \d+ passed, 0 failed, 0 warned, 1 skipped, \d+ observed \(exit 0\)/);
    expect(run.stdout).toMatch(/- SRV-500-SHAPE +judged no case \(no 500 answers in this run\)/);
  });

  // One deviant here, read from the console as a user would; test/mutation.test.ts runs them all.
  for (const deviation of [deviationByName('disabled-key-accepted')]) {
    it(`fails a deviant emulator on a real port for the right rule: ${deviation.name}`, async () => {
      const { env } = await emulatorEnv({ clock: 'virtual', steps: deviation.steps() });
      const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '20' });
      expect(run.code, run.output).toBe(1);
      for (const id of deviation.caughtBy) expect(run.stdout).toMatch(new RegExp(`✗ ${id} `));
    });
  }

  it('skips rules whose fixture is missing, with the reason, and fails them under RUNBASE_REQUIRE_ALL', async () => {
    const { env } = await emulatorEnv({ clock: 'virtual' });
    const partial = { RUNBASE_URL: env.RUNBASE_URL!, RUNBASE_API_KEY: env.RUNBASE_API_KEY!, RUNBASE_ADMIN_URL: env.RUNBASE_ADMIN_URL!, RUNBASE_ADMIN_TOKEN: env.RUNBASE_ADMIN_TOKEN!, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '5' };
    const run = await runConformance(partial);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/- AUTH-DISABLED {2}fixture not configured: a key that has been disabled \(RUNBASE_DISABLED_KEY\)/);
    expect(run.stdout).toMatch(/- RUN-CREATE {2}billable/);
    const strict = await runConformance({ ...partial, RUNBASE_REQUIRE_ALL: '1' });
    expect(strict.code, strict.output).toBe(1);
  });

  it('says beside a ✓ when a rule ran only part of its cases (GET only without RUNBASE_ALLOW_BILLABLE)', async () => {
    const { env: all } = await emulatorEnv({ clock: 'virtual' });
    // As against a real deployment: billable requests not allowed.
    const { RUNBASE_ALLOW_BILLABLE: _, ...env } = all;
    const partly = ['AUTH-DISABLED', 'AUTH-EXPIRED', 'IP-SPOOF', 'USAGE-EXCEEDED'];
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '3' }, 240_000, ['-t', `(^| )(${partly.join('|')}): `]);
    expect(run.code, run.output).toBe(0);
    for (const id of partly) {
      expect(run.stdout).toMatch(new RegExp(`✓ passed +${id} .* — GET only; POST needs RUNBASE_ALLOW_BILLABLE=1`));
      expect(run.stdout).toContain(`✓ ${id}  passed in part — GET only; POST needs RUNBASE_ALLOW_BILLABLE=1`);
    }
    expect(run.stdout).toMatch(/conforms: 4 passed \(4 in part\), 0 failed/);
    const billable = await runConformance({ ...all, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '3' }, 240_000, ['-t', `(^| )(${partly.join('|')}): `]);
    expect(billable.code, billable.output).toBe(0);
    expect(billable.stdout).not.toContain('in part');
  });

  it('refuses a selection that selects nothing, saying so (exit 2)', async () => {
    const none = await runConformance({}, 60_000, ['-t', 'NO-SUCH-RULE']);
    expect(none.code, none.output).toBe(2);
    expect(none.stdout).toContain("error: no rule was selected by -t 'NO-SUCH-RULE': nothing was checked");
    expect(none.stdout.trim().split('\n').at(-1)).toMatch(/^exit 2: configuration or target error — no rule was selected/);
    const unknown = await runConformance({}, 60_000, ['autth']);
    expect(unknown.code, unknown.output).toBe(2);
    expect(unknown.stderr).toMatch(/no suite named 'autth': the suites are .*\bauth\b/);
  });

  it('exits 2 in seconds on a target that is down', async () => {
    const url = await serve((_q, s) => s.end());
    cleanups.pop(); // close it now: the port is then refused
    await new Promise((r) => setTimeout(r, 0));
    const closed = url.replace(/:\d+$/, ':1');
    const run = await runConformance({ RUNBASE_URL: closed, ...KEY });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/target error: connection refused/);
    expect(run.output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it('exits 2 on a target that answers HTML', async () => {
    const url = await serve((_q, s) => { s.writeHead(200, { 'content-type': 'text/html' }); s.end('<html><body>Welcome</body></html>'); });
    const run = await runConformance({ RUNBASE_URL: url, ...KEY });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/not JSON/);
  });

  it('exits 2 on a target that hangs, within its timeout', async () => {
    const url = await serve(() => { /* never answers */ });
    const run = await runConformance({ RUNBASE_URL: url, ...KEY, RUNBASE_TIMEOUT_MS: '500' });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/no response .* within 500 ms/);
  });

  it('exits 2 on a bad setting, naming the variable, before any request', async () => {
    const run = await runConformance({ RUNBASE_RUNS: 'many' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RUNBASE_RUNS');
    const noKey = await runConformance({ RUNBASE_URL: 'http://127.0.0.1:1' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('RUNBASE_API_KEY');
  });
});
