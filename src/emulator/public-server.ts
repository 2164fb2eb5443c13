// The public port: serves only what production serves (the two runs endpoints).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { choices } from '../contract/emulator-choices.ts';
import { handle, undocumentedAnswer, type Answer, type Ctx, type IncomingCall, type Step } from './pipeline.ts';
import type { EmulatorState } from './state.ts';
import type { RateLimiter } from './rate-limit.ts';
import { collectBody, hardenServer, sendJson, serverOptions } from './http.ts';

/** A GET has no body to read; one shared empty buffer (never written to) stands for it. */
const NO_BODY = Buffer.alloc(0);

/** Node's headers as one string each: only set-cookie comes as a list, so the object is copied only then. */
function flatHeaders(headers: IncomingHttpHeaders): IncomingCall['headers'] {
  if (headers['set-cookie'] === undefined) return headers as IncomingCall['headers'];
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

/** The path without the query. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** `dress`: what the emulator's choices add to each answer (extras.ts); the answer as it is without. */
export function createPublicServer(state: EmulatorState, limiter: RateLimiter, table: readonly Step[], bodyLimitBytes = choices.bodyLimitBytes, dress: (answer: Answer, ctx: Ctx) => Answer = (a) => a): Server {
  function answer(req: IncomingMessage, res: ServerResponse, body: Buffer | 'too-large'): void {
    let reply: Answer;
    try {
      const ctx: Ctx = { call: { method: req.method ?? 'GET', path: pathOf(req.url), headers: flatHeaders(req.headers), remoteAddress: req.socket.remoteAddress ?? '', body }, state, limiter };
      // Stryker disable next-line all: the extras are the identity at the default choices the conformance run uses; extras.test.ts proves them
      reply = dress(handle(table, ctx), ctx);
    } catch {
      // Whatever happened, the caller gets the envelope and the process lives on.
      reply = undocumentedAnswer(choices.undocumentedErrors.internalError);
    }
    if (!res.headersSent) sendJson(res, reply.status, reply.body, reply.headers, body === 'too-large');
  }
  // A GET (or HEAD) is answered at once, without waiting on a body; any other once its body has ended.
  const server = createServer(serverOptions(), (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      answer(req, res, NO_BODY);
      return;
    }
    collectBody(req, bodyLimitBytes, (body) => answer(req, res, body), () => {
      if (!res.headersSent) { const e = undocumentedAnswer(choices.undocumentedErrors.internalError); sendJson(res, e.status, e.body, e.headers); }
    });
  });
  hardenServer(server);
  return server;
}
