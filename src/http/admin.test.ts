import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adminCall } from './admin.ts';

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) { s.closeAllConnections(); s.close(); } });

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the state API client', () => {
  it('sends a call once more when the server closes the connection under it (a pooled connection closed as it was reused)', async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      calls++;
      if (calls === 1) return req.socket.destroy();
      res.setHeader('content-type', 'application/json');
      res.end('{"now":1}');
    });
    await expect(adminCall<{ now: number }>({ url, token: 't' }, 'GET', '/clock')).resolves.toEqual({ now: 1 });
    expect(calls).toBe(2);
  });

  it('a server that closes every connection fails the call after the one retry', async () => {
    let calls = 0;
    const url = await serve((req) => { calls++; req.socket.destroy(); });
    await expect(adminCall({ url, token: 't' }, 'POST', '/clock/advance', { ms: 1 })).rejects.toThrow(/other side closed/);
    expect(calls).toBe(2);
  });

  it('an error status throws without showing a key in the path', async () => {
    const url = await serve((_req, res) => { res.statusCode = 404; res.end(); });
    await expect(adminCall({ url, token: 't' }, 'GET', '/keys/sk-secretvalue1234/balance')).rejects.toThrow('GET /keys/sk-…/balance answered 404');
  });
});
