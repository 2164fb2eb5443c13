import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { TargetError } from '../contract/exchange.ts';

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) { s.closeAllConnections(); s.close(); } });

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const client = () => createClient({ timeoutMs: 2000, maxBodyBytes: 64 * 1024 });

describe('client', () => {
  it('parses JSON, keeps non-JSON as text, lower-cases and joins headers', async () => {
    const url = await serve((req, res) => {
      res.setHeader('X-Many', ['a', 'b']);
      if (req.url === '/json') { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); } else res.end('<html></html>');
    });
    const c = client();
    const json = await c.send({ method: 'GET', url: `${url}/json`, headers: {} });
    expect(json.response.json).toEqual({ ok: true });
    expect(json.response.headers['x-many']).toBe('a, b');
    const html = await c.send({ method: 'POST', url: `${url}/html`, headers: {}, body: new Uint8Array([0xff]) });
    expect(html.response.json).toBeUndefined();
    expect(html.response.bodyText).toBe('<html></html>');
    await c.close();
  });

  it('cuts a body past the cap', async () => {
    const url = await serve((_q, res) => res.end('x'.repeat(5 * 1024 * 1024)));
    const ex = await client().send({ method: 'GET', url, headers: {} });
    expect(ex.response.truncated).toBe(true);
    expect(ex.response.bodyText.length).toBe(64 * 1024);
  });

  it('turns refused, reset and silent targets into TargetErrors', async () => {
    const silent = await serve(() => {});
    const reset = await serve((req) => req.socket.destroy());
    const quick = createClient({ timeoutMs: 300, maxBodyBytes: 1024 });
    await expect(quick.send({ method: 'GET', url: silent, headers: {} })).rejects.toThrowError(/no response .* within 300 ms/);
    await expect(client().send({ method: 'GET', url: reset, headers: {} })).rejects.toBeInstanceOf(TargetError);
    await expect(client().send({ method: 'GET', url: 'http://127.0.0.1:1', headers: {} })).rejects.toThrowError(/connection refused/);
  });
});
