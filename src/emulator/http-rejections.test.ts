// HTTP-level rejections (Node refuses the request before any handler runs) still get the JSON
// envelope, and a client that sends its headers too slowly is cut at the documented timeout.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from './index.ts';
import { choices } from '../contract/emulator-choices.ts';

let emulator: RunningEmulator;
beforeAll(async () => { emulator = await startEmulator({ clock: 'virtual' }); });
afterAll(async () => { await emulator.close(); });

/** Send raw bytes, read until the server closes (bounded by `limitMs`). */
function raw(bytes: string | Buffer, opts: { limitMs?: number; end?: boolean } = {}): Promise<{ text: string; closedByServer: boolean }> {
  const { port, hostname } = new URL(emulator.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); resolve({ text, closedByServer: false }); }, opts.limitMs ?? 5_000);
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve({ text, closedByServer: true }); });
    socket.write(bytes);
  });
}

function envelopeOf(text: string): { status: number; body: unknown; type: string } {
  const [head, body] = text.split('\r\n\r\n');
  const status = Number(head!.split(' ')[1]);
  const type = /content-type: ([^\r\n]+)/i.exec(head!)?.[1] ?? '';
  return { status, body: JSON.parse(body!), type };
}

const errors = choices.undocumentedErrors;

describe('HTTP-level rejections get the JSON envelope', () => {
  it.each([
    ['headers over 16 KB', `GET /api/v1/runs/x HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, errors.headersTooLarge],
    ['raw control bytes in the path', 'GET /api/v1/runs/\x01\x7f HTTP/1.1\r\nhost: x\r\n\r\n', errors.malformedRequest],
    ['a NUL in a header', 'GET /api/v1/runs/x HTTP/1.1\r\nhost: x\r\nx-a: b\x00c\r\n\r\n', errors.malformedRequest],
    ['not HTTP at all', 'HELLO THERE\r\n\r\n', errors.malformedRequest],
  ])('%s', async (_what, request, expected) => {
    const { text, closedByServer } = await raw(Buffer.from(request, 'latin1'));
    const answer = envelopeOf(text);
    expect(answer.status).toBe(expected.status);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ error: { message: expected.message, code: expected.code } });
    expect(closedByServer).toBe(true);
  });

  it('a client whose headers never finish is answered and cut by the server at the documented timeout', async () => {
    const { text, closedByServer } = await raw('GET /api/v1/runs/x HTTP/1.1\r\nhost: x\r\nx-slow: ', { limitMs: choices.headersTimeoutMs + 20 * choices.connectionsCheckingIntervalMs });
    expect(closedByServer).toBe(true);
    expect(envelopeOf(text).body).toEqual({ error: { message: errors.requestTimeout.message, code: errors.requestTimeout.code } });
  }, 60_000);
});
