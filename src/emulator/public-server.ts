// The public port: serves only what production serves (the two runs endpoints).
import { createServer, type Server } from 'node:http';
import { choices } from '../contract/emulator-choices.ts';
import { handle, undocumentedAnswer, type Answer, type Ctx, type Step } from './pipeline.ts';
import type { EmulatorState } from './state.ts';
import type { RateLimiter } from './rate-limit.ts';
import { hardenServer, readBody, sendJson, serverOptions } from './http.ts';

/** `dress`: what the emulator's choices add to each answer (extras.ts); the answer as it is without. */
export function createPublicServer(state: EmulatorState, limiter: RateLimiter, table: readonly Step[], bodyLimitBytes = choices.bodyLimitBytes, dress: (answer: Answer, ctx: Ctx) => Answer = (a) => a): Server {
  const server = createServer(serverOptions(), async (req, res) => {
    let answer: Answer;
    let close = false;
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, bodyLimitBytes);
      close = body === 'too-large';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const ctx: Ctx = { call: { method: req.method ?? 'GET', path, headers, remoteAddress: req.socket.remoteAddress ?? '', body }, state, limiter };
      // Stryker disable next-line all: the extras are the identity at the default choices the conformance run uses; extras.test.ts proves them
      answer = dress(handle(table, ctx), ctx);
    } catch {
      // Whatever happened, the caller gets the envelope and the process lives on.
      answer = undocumentedAnswer(choices.undocumentedErrors.internalError);
    }
    if (!res.headersSent) sendJson(res, answer.status, answer.body, answer.headers, close);
  });
  hardenServer(server);
  return server;
}
