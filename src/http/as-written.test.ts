// Paths reach the target byte for byte: the path-variant probes (RUN-OTHER-ACCOUNT) depend on it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { asWritten, createClient } from './client.ts';
import { runPathVariants } from '../generators/index.ts';

describe('asWritten', () => {
  it('keeps dot segments, doubled slashes and encodings that a URL parser would change', () => {
    expect(asWritten('http://127.0.0.1:1/api/v1/runs/./run_x')).toEqual({ origin: 'http://127.0.0.1:1', path: '/api/v1/runs/./run_x' });
    expect(asWritten('http://127.0.0.1:1/api/v1/runs/x/%2e%2e/run_x').path).toBe('/api/v1/runs/x/%2e%2e/run_x');
    expect(asWritten('http://127.0.0.1:1/api/v1//runs/run_x?x=1').path).toBe('/api/v1//runs/run_x?x=1');
  });

  it('falls back to the parsed form for a fragment, characters HTTP cannot carry, or no path', () => {
    expect(asWritten('http://127.0.0.1:1/a#frag').path).toBe('/a');
    expect(asWritten('http://127.0.0.1:1/a b').path).toBe('/a%20b');
    expect(asWritten('http://127.0.0.1:1').path).toBe('/');
  });

  it('every run path variant arrives at a loopback server exactly as generated', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => { seen.push(req.url ?? ''); res.writeHead(404, { 'content-type': 'application/json' }).end('{}'); });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const client = createClient({ timeoutMs: 5_000, maxBodyBytes: 1024 });
    try {
      const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
      const variants = runPathVariants('run_Ab3');
      for (const { path } of variants) await client.send({ method: 'GET', url: root + path, headers: {} });
      expect(seen).toEqual(variants.map((v) => `/api/v1${v.path}`));
    } finally {
      await client.close();
      await new Promise((ok) => server.close(ok));
    }
  });
});
