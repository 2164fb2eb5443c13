// The small HTTP plumbing both emulator servers share: bounded body reading and JSON answers.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { choices, type UndocumentedError } from '../contract/emulator-choices.ts';

/**
 * Collect the body up to `limit` bytes; past it, keep draining (up to the drain limit) and report
 * 'too-large'. With callbacks, not a promise: the public server answers in the same tick the body ends.
 */
export function collectBody(req: IncomingMessage, limit: number, done: (body: Buffer | 'too-large') => void, failed: (error: Error) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > choices.drainLimitBytes) {
      // Far past any sane body: answer now and stop listening (paused, the body never ends: one answer).
      req.removeAllListeners('data');
      req.pause();
      done('too-large');
      return;
    }
    if (size > limit) {
      tooLarge = true;
      chunks.length = 0;
    } else chunks.push(chunk);
  });
  req.on('end', () => done(tooLarge ? 'too-large' : Buffer.concat(chunks)));
  req.on('error', failed);
}

/** The body as a promise, for the admin server (no hot path). */
export const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> => new Promise((resolve, reject) => collectBody(req, limit, resolve, reject));

/** The text of each frozen body (the pipeline's error answers without a detail, frozen all through). */
const frozenTexts = new WeakMap<object, string>();

/** A body as JSON: a frozen one never changes, so its text is made once (a third of an error path's own time). */
function jsonText(body: unknown): string {
  if (typeof body !== 'object' || body === null || !Object.isFrozen(body)) return JSON.stringify(body);
  let text = frozenTexts.get(body);
  if (text === undefined) frozenTexts.set(body, (text = JSON.stringify(body)));
  return text;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>, close = false): void {
  const text = jsonText(body);
  // One object for writeHead (node:http's fast path, no header map), filled without spreads: once per request.
  const head: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (close) head.connection = 'close';
  if (headers) for (const name in headers) head[name] = headers[name]!;
  res.writeHead(status, head);
  res.end(text);
}

/**
 * Options for node:http's createServer: Node checks the header and request timeouts only every
 * connectionsCheckingInterval (30 s by default), so a slow-header client would be kept far longer
 * than the documented timeout without it.
 */
export function serverOptions(): ServerOptions {
  return {
    requestTimeout: choices.requestTimeoutMs,
    headersTimeout: Math.min(choices.headersTimeoutMs, choices.requestTimeoutMs),
    connectionsCheckingInterval: choices.connectionsCheckingIntervalMs,
  };
}

/** Which catalogued answer an HTTP-level rejection (before any handler ran) gets. */
function clientErrorAnswer(error: NodeJS.ErrnoException): UndocumentedError {
  const errors = choices.undocumentedErrors;
  if (error.code === 'HPE_HEADER_OVERFLOW') return errors.headersTooLarge;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errors.requestTimeout;
  return errors.malformedRequest;
}

/** Slow or abandoned connections are cut; a request Node rejects before parsing gets the JSON envelope and a close. */
export function hardenServer(server: Server): void {
  // Also set here for a server created without serverOptions() (then checked every 30 s only).
  const { requestTimeout, headersTimeout } = serverOptions();
  server.requestTimeout = requestTimeout!;
  server.headersTimeout = headersTimeout!;
  server.keepAliveTimeout = choices.keepAliveTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or a socket already written to cannot take an answer.
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, code, message } = clientErrorAnswer(error);
    const text = JSON.stringify({ error: { message, code } });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
