// The latency proxy's own connections never show through: when the server behind it closes a pooled
// connection just as the proxy reuses it (both sides idle out around 5 s), the request goes again on a
// new connection, so a run through the proxy never meets a reset the target did not cause.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { startLatencyProxy, type LatencyProxy } from '../src/selftest/latency-proxy.ts';

let server: Server | undefined;
let proxy: LatencyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  server?.closeAllConnections();
  server?.close();
});

it('sends a request again on a new connection when the server closed the reused one under it', async () => {
  const perSocket = new WeakMap<Socket, number>();
  let seen = 0;
  // Every connection's second request is cut before any answer: what a server's idle close looks like
  // to a client that reused the connection at that moment.
  server = createServer((req, res) => {
    seen++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n === 2) return req.socket.destroy();
    res.end('ok');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  proxy = await startLatencyProxy({ target: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seed: 1, meanMs: 0, jitterMs: 0 });
  for (let i = 0; i < 3; i++) {
    const res = await request(proxy.url);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('ok');
  }
  // The second went twice: cut on the reused connection, then answered on a new one.
  expect(seen).toBe(4);
});
