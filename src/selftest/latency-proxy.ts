// A loopback HTTP proxy that puts a seeded, jittered network delay in front of a target: for proving
// that the suite's verdicts hold at real-network latency (test/network/latency.test.ts). Each exchange gets a
// round trip drawn uniformly from mean ± jitter, split at random between the request and the response
// leg, so answers overtake each other as they do on a real network. Loopback only.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyOptions {
  /** Origin to forward to (http://127.0.0.1:port). */
  target: string;
  seed: number;
  meanMs: number;
  jitterMs: number;
}

export interface LatencyProxy {
  /** The proxy's origin. */
  url: string;
  /** Exchanges forwarded so far. */
  forwarded(): number;
  close(): Promise<void>;
}

/** mulberry32: a small seeded generator, so a run's delays replay from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startLatencyProxy(opts: LatencyOptions): Promise<LatencyProxy> {
  const target = new URL(opts.target);
  if (!['127.0.0.1', '::1', '[::1]', 'localhost'].includes(target.hostname)) throw new Error('the latency proxy forwards to loopback only');
  const random = seededRandom(opts.seed);
  const agent = new Agent({ keepAlive: true });
  let count = 0;

  /** One round trip's two legs. */
  function legs(): [number, number] {
    const rtt = Math.max(0, opts.meanMs + (2 * random() - 1) * opts.jitterMs);
    const split = random();
    return [rtt * split, rtt * (1 - split)];
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [out, back] = legs();
    const body = await readAll(req);
    await delay(out);
    const headers = { ...req.headers, host: target.host };
    // A pooled connection the emulator closed as idle (5 s) just as it was reused fails at once; sent
    // again on a new connection, as Node's docs advise, so the client never sees the proxy's own race.
    const send = (retry = false): Promise<IncomingMessage> => new Promise<IncomingMessage>((resolve, reject) => {
      const r = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: retry ? false : agent }, resolve);
      r.on('error', (error) => (r.reusedSocket && !retry ? send(true).then(resolve, reject) : reject(error)));
      r.end(body);
    });
    const upstream = await send();
    const answer = await readAll(upstream);
    await delay(back);
    count++;
    const { 'transfer-encoding': _te, connection: _c, 'keep-alive': _ka, ...rest } = upstream.headers;
    res.writeHead(upstream.statusCode ?? 502, { ...rest, 'content-length': String(answer.length) });
    res.end(answer);
  }

  const server = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
