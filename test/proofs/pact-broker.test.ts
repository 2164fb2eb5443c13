// Publishing to a Pact Broker, end to end against a small stand-in broker on loopback that speaks the
// HAL routes the verifier uses: pacts for verification in, verification results out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { pactPath } from '../../src/pact/verify.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { runConformance } from '../helpers.ts';

interface Seen { method: string; url: string; body: string; auth?: string }

/** ok: a working broker; 401/500: every request answered so; publish-500: everything works but publishing. */
type BrokerMode = 'ok' | 401 | 500 | 'publish-500';

async function standInBroker(mode: BrokerMode = 'ok'): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const pact = JSON.parse(readFileSync(pactPath(), 'utf8'));
  let base = '';
  const read = (req: IncomingMessage) => new Promise<string>((r) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => r(b)); });
  const server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({ method: req.method!, url: req.url!, body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    const json = (status: number, value: unknown) => { res.writeHead(status, { 'content-type': 'application/hal+json' }); res.end(JSON.stringify(value)); };
    if (typeof mode === 'number') return json(mode, { error: mode === 401 ? 'Unauthorized' : 'Internal Server Error' });
    if (mode === 'publish-500' && req.method === 'POST' && req.url?.endsWith('/verification-results')) return json(500, { error: 'Internal Server Error' });
    const pactHref = `${base}/pacts/provider/runbase-api/consumer/runbase-conformance/version/1.0.0`;
    if (req.method === 'GET' && req.url === '/') {
      return json(200, { _links: {
        'pb:provider-pacts-for-verification': { href: `${base}/pacts/provider/{provider}/for-verification`, templated: true },
        'pb:latest-provider-pacts': { href: `${base}/pacts/provider/{provider}/latest`, templated: true },
      } });
    }
    // The verifier first reads the resource for its 'self' link, then posts its selectors there.
    if (req.method === 'GET' && req.url === '/pacts/provider/runbase-api/for-verification') {
      return json(200, { _links: { self: { href: `${base}/pacts/provider/runbase-api/for-verification` } } });
    }
    if (req.method === 'POST' && req.url === '/pacts/provider/runbase-api/for-verification') {
      return json(200, { _embedded: { pacts: [{ shortDescription: 'main', verificationProperties: { pending: false, notices: [] }, _links: { self: { href: pactHref, name: 'pact' } } }] } });
    }
    if (req.method === 'GET' && req.url?.startsWith('/pacts/provider/runbase-api/consumer/runbase-conformance/version/1.0.0')) {
      return json(200, { ...pact, _links: { self: { href: pactHref }, 'pb:publish-verification-results': { href: `${pactHref}/verification-results` }, 'pb:provider': { href: `${base}/pacticipants/runbase-api` } } });
    }
    if (req.method === 'GET' && req.url === '/pacticipants/runbase-api') {
      return json(200, { name: 'runbase-api', _links: {
        self: { href: `${base}/pacticipants/runbase-api` },
        'pb:version': { href: `${base}/pacticipants/runbase-api/versions/{version}`, templated: true },
        'pb:branch-version': { href: `${base}/pacticipants/runbase-api/branches/{branch}/versions/{version}`, templated: true },
        'pb:version-tag': { href: `${base}/pacticipants/runbase-api/versions/{version}/tags/{tag}`, templated: true },
      } });
    }
    json(201, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, seen, server };
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of closers) await c(); });

async function emulatorEnv(deviation?: string): Promise<Record<string, string>> {
  const emulator: RunningEmulator = await startEmulator({ clock: 'virtual', ...(deviation ? { steps: deviationByName(deviation).steps() } : {}) });
  closers.push(() => emulator.close());
  return provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
}

describe('publishing verification results to a Pact Broker', () => {
  it('verifies the broker\'s pacts against the target and publishes a success with the provider version', async () => {
    const broker = await standInBroker();
    closers.push(() => new Promise((r) => broker.server.close(() => r())));
    const env = await emulatorEnv();
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '3', PACT_BROKER_BASE_URL: broker.url, PACT_BROKER_TOKEN: 'broker-token', PACT_PROVIDER_VERSION: '1.2.3', PACT_PROVIDER_BRANCH: 'main' });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('verification results published for provider version 1.2.3');
    const result = broker.seen.find((s) => s.url.endsWith('/verification-results'));
    expect(result, JSON.stringify(broker.seen.map((s) => `${s.method} ${s.url}`))).toBeDefined();
    expect(JSON.parse(result!.body)).toMatchObject({ success: true, providerApplicationVersion: '1.2.3' });
    expect(broker.seen.every((s) => s.auth === 'Bearer broker-token')).toBe(true);
    expect(run.output).not.toContain('broker-token');
  });

  it('publishes a failure, and fails the run, when the target breaks an interaction', async () => {
    const broker = await standInBroker();
    closers.push(() => new Promise((r) => broker.server.close(() => r())));
    const env = await emulatorEnv('disabled-key-accepted');
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '3', PACT_BROKER_BASE_URL: broker.url, PACT_PROVIDER_VERSION: '1.2.4' });
    expect(run.code, run.output).toBe(1);
    const result = broker.seen.find((s) => s.url.endsWith('/verification-results'));
    expect(JSON.parse(result!.body)).toMatchObject({ success: false, providerApplicationVersion: '1.2.4' });
    expect(run.stderr).toContain('verification failed (results published');
  });

  // The broker, not the target, is at fault: exit 2 with the broker's reason, never "verification failed".
  const brokerFaults: { name: string; mode: BrokerMode | 'unreachable'; reason: RegExp }[] = [
    { name: 'a broker answering 401', mode: 401, reason: /refused the credentials \(401\)/ },
    { name: 'a broker answering 500', mode: 500, reason: /answered 500/ },
    { name: 'an unreachable broker', mode: 'unreachable', reason: /cannot be reached \(ECONNREFUSED\)/ },
    { name: 'a broker that fails to store the results', mode: 'publish-500', reason: /results were not published: Publishing of verification results failed .*500/ },
  ];
  for (const f of brokerFaults) {
    it(`exits 2 with the reason for ${f.name}`, async () => {
      let url: string;
      if (f.mode === 'unreachable') {
        url = await freePortUrl();
      } else {
        const broker = await standInBroker(f.mode);
        closers.push(() => new Promise((r) => broker.server.close(() => r())));
        url = broker.url;
      }
      const env = await emulatorEnv();
      const dir = mkdtempSync(join(tmpdir(), 'runbase-broker-report-'));
      const summary = join(dir, 'step-summary.md');
      const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '1', PACT_BROKER_BASE_URL: url, PACT_BROKER_TOKEN: 'broker-token', PACT_PROVIDER_VERSION: '1.2.5', RUNBASE_REPORT_DIR: dir, GITHUB_STEP_SUMMARY: summary });
      expect(run.code, run.output).toBe(2);
      expect(run.stderr).toMatch(f.reason);
      expect(run.output).not.toContain('verification failed');
      expect(run.output).not.toContain('broker-token');
      // One verdict everywhere: the console's summary and last line, the job summary, JUnit, HTML, JSON.
      expect(run.output).not.toMatch(/conforms/);
      expect(run.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^exit 2: configuration or target error — Pact Broker: .*${f.reason.source}`));
      const read = (name: string) => readFileSync(join(dir, name), 'utf8');
      expect(read('step-summary.md')).toMatch(new RegExp(`⛔ configuration or target error: .*\\(exit 2\\) — Pact Broker: .*${f.reason.source}`));
      expect(JSON.parse(read('conformance.json'))).toMatchObject({ exitCode: 2, outcome: 'error' });
      expect(read('junit.xml')).toMatch(/<property name="exit-code" value="2"\/>/);
      expect(read('junit.xml')).toMatch(/<error message="exit 2: Pact Broker: /);
      expect(read('conformance.html')).toMatch(/data-exit-code="2"[\s\S]*class="summary error"[^>]*>configuration or target error: .*\(exit 2\) — Pact Broker: /);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

/** A loopback URL nothing listens on: a port just released. */
async function freePortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
