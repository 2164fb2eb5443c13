// One network policy (docs/network.md): the suite's client honours HTTP_PROXY / HTTPS_PROXY /
// NO_PROXY as curl does, and Pact's verifier reaches the target only through the suite's own
// loopback proxy, so through the same client. An unreachable proxy is exit 2 naming it; no part
// follows a redirect to another origin. Real proxies and servers on loopback.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { countedEmulator, redirectsAfter, type ProxyCounts } from '../../src/selftest/hostile.ts';
import { PREFLIGHT_MAX_REQUESTS } from '../../src/runner/preflight.ts';
import { proxyFor } from '../../src/http/client.ts';
import { runConformance } from '../helpers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const close of closers) await close(); });

function listen(server: Server): Promise<string> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  closers.push(() => new Promise((done) => { for (const s of sockets) s.destroy(); server.close(() => done()); }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A forwarding proxy (CONNECT tunnels, as undici's proxy agent uses) that counts the tunnels it opened. */
async function tunnelProxy(): Promise<{ url: string; tunnels: () => number }> {
  let tunnels = 0;
  const server = createServer((_q, s) => { s.writeHead(405); s.end(); });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels++;
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { url: await listen(server), tunnels: () => tunnels };
}

describe('proxy variables, as curl reads them', () => {
  it('NO_PROXY exempts hosts, domains and ports; lower case wins', () => {
    const env = { http_proxy: 'http://p:1', HTTP_PROXY: 'http://q:2', NO_PROXY: 'example.org,.internal,10.0.0.1:8080' };
    expect(proxyFor('http://api.test/x', env)).toEqual({ variable: 'http_proxy', value: 'http://p:1' });
    expect(proxyFor('http://example.org/x', env)).toBeUndefined();
    expect(proxyFor('http://a.example.org/x', env)).toBeUndefined();
    expect(proxyFor('http://svc.internal/x', env)).toBeUndefined();
    expect(proxyFor('http://10.0.0.1:8080/x', env)).toBeUndefined();
    expect(proxyFor('http://10.0.0.1:9090/x', env)).toBeDefined();
    expect(proxyFor('https://api.test/x', env)).toBeUndefined();
  });

  it('an unreachable proxy is exit 2, naming it (and nothing reaches the target)', async () => {
    const counts: ProxyCounts = { seen: 0, cheated: 0 };
    const target = await countedEmulator(counts)();
    closers.push(() => target.close());
    const dead = createServer();
    const deadUrl = await listen(dead);
    await new Promise<void>((done) => dead.close(() => done()));
    const run = await runConformance({ ...target.env, HTTP_PROXY: deadUrl, RUNBASE_SUITES: 'auth,pact', RUNBASE_RUNS: '1' });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain(`through the proxy ${deadUrl} (HTTP_PROXY)`);
    expect(counts.seen).toBe(0);
  });

  it('every request to the target, Pact verifier\'s included, goes through the proxy', async () => {
    const counts: ProxyCounts = { seen: 0, cheated: 0 };
    const target = await countedEmulator(counts)();
    closers.push(() => target.close());
    const proxy = await tunnelProxy();
    // The emulator's state API is no target of the run's: NO_PROXY keeps it direct, as a user would.
    const adminHost = new URL(target.env.RUNBASE_ADMIN_URL!).host;
    const run = await runConformance({ ...target.env, HTTP_PROXY: proxy.url, NO_PROXY: adminHost, RUNBASE_SUITES: 'auth,pact', RUNBASE_RUNS: '1' });
    expect(run.code, run.output).toBe(0);
    expect(proxy.tunnels()).toBeGreaterThan(0);
    expect(counts.seen).toBeGreaterThan(PREFLIGHT_MAX_REQUESTS);
  });
});

describe('no redirect to another origin is followed', () => {
  it("a target that redirects Pact's requests elsewhere: nothing reaches the other origin, the run fails", async () => {
    let elsewhere = 0;
    const other = createServer((_q, s) => { elsewhere++; s.writeHead(200, { 'content-type': 'application/json' }); s.end('{}'); });
    const otherUrl = await listen(other);
    const target = await redirectsAfter(PREFLIGHT_MAX_REQUESTS, otherUrl)();
    closers.push(() => target.close());
    const run = await runConformance({ ...target.env, RUNBASE_SUITES: 'pact', RUNBASE_RUNS: '1' });
    // The redirect is judged as the answer it is (a loaded machine may also see a keep-alive reset: exit 2).
    expect([1, 2], run.output).toContain(run.code);
    expect(run.stdout).toMatch(/✗ failed +PACT-[A-Z-]+ [\s\S]*expected \d+ but was 307/);
    expect(elsewhere).toBe(0);
  });
});
