// The small HTTP plumbing both emulator servers share: bounded body reading and JSON answers.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { choices } from './choices.ts';

/** Read the body up to `limit` bytes; past it, keep draining (up to the drain limit) and report 'too-large'. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > choices.drainLimitBytes) {
        // Far past any sane body: answer now and stop listening.
        req.removeAllListeners('data');
        req.pause();
        resolve('too-large');
        return;
      }
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}), ...headers });
  res.end(text);
}

/** Slow or abandoned connections are cut; a malformed request line gets a plain 400 and a close. */
export function hardenServer(server: Server): void {
  server.requestTimeout = choices.requestTimeoutMs;
  server.headersTimeout = Math.min(choices.requestTimeoutMs, 10_000);
  server.keepAliveTimeout = choices.keepAliveTimeoutMs;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
