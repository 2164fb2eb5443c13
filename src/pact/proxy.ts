// The pacing/recording proxy between Pact's verifier and the target, on 127.0.0.1 (ephemeral port).
// Every request the verifier makes goes out through `send` (a rule's `r.send`: the run's session,
// which paces each key, counts the request and logs the exchange for ENV-*, SEC-NO-SECRET-ECHO and
// SRV-NO-5XX), with the key the provider state maps to. Pact's example key never reaches the target,
// and no configured secret reaches Pact: the answer it judges is redacted first. The Content-Type
// Pact sees is the body's own (see onRequest); the target's label is judged by ENV-CONTENT-TYPE.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contract } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import type { Auth, RequestSpec } from '../conformance/session.ts';

/** Where Pact posts its provider-state changes (outside the API root, so never forwarded). */
export const STATE_PATH = '/_runbase/provider-state';

/** What a provider state sets up: the auth its requests go out with, and the values it hands Pact. */
export interface StateSetup {
  auth: Auth;
  /** Unpaced and never retried (the rate-limited state: its key is spent on purpose). */
  raw?: boolean;
  params?: Record<string, string>;
}

/** An interaction without a provider state: a healthy pool key, paced. */
const STATELESS: StateSetup = { auth: { kind: 'pool' } };

export interface ProxyJob {
  /**
   * Runs once the job's turn at the proxy has come, before the verifier starts: for waits that must
   * not count against the verifier's own timeouts (a key that has to idle first).
   */
  prepare?(): Promise<void>;
  /** Sets the named state up (Pact calls it before the interaction's request). */
  setUp(state: string): Promise<StateSetup>;
  /** Sends a request to the target; the exchange it returns is what Pact judges. */
  send(spec: RequestSpec): Promise<Exchange>;
  /** Removes secrets from text Pact will see. */
  redact(text: string): string;
  /** Waits for something that is not time (another job's turn), so a virtual clock may move meanwhile. */
  idle?<T>(waiting: Promise<T>): Promise<T>;
}

export interface PactProxy {
  url: string;
  /** Runs `fn` with `job` answering the verifier; rethrows what ended the job (target gone, budget spent, …). */
  run<T>(job: ProxyJob, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'authorization', 'content-type', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'accept-encoding']);
const NOT_RELAYED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The verifier's request as the suite's request spec, under the target's API root. */
export function specOf(req: IncomingMessage, body: Buffer, setup: StateSetup): RequestSpec | undefined {
  const root = contract.limits.apiRootPath;
  const url = req.url ?? '/';
  if (url !== root && !url.startsWith(`${root}/`) && !url.startsWith(`${root}?`)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: url.slice(root.length),
    auth: setup.auth,
    ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
    contentType: req.headers['content-type'] ?? null,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(setup.raw ? { raw: true } : {}),
  };
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
}

export async function startPactProxy(): Promise<PactProxy> {
  let job: ProxyJob | undefined;
  let setup: StateSetup | undefined;
  let failure: unknown;

  async function onState(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const change = JSON.parse(body.toString('utf8') || '{}') as { state?: string; action?: string };
    // A state lasts for its interaction: one without a state (another consumer's) starts from the default.
    if (change.action === 'teardown' || !change.state) {
      setup = undefined;
      return answer(res, 200, { 'content-type': 'application/json' }, '{}');
    }
    setup = await job!.setUp(change.state);
    answer(res, 200, { 'content-type': 'application/json' }, JSON.stringify(setup.params ?? {}));
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (!job) return answer(res, 503, { 'content-type': 'text/plain' }, 'no verification running');
    if (failure !== undefined) return answer(res, 502, { 'content-type': 'text/plain' }, 'verification ended early');
    try {
      if (req.url === STATE_PATH) return await onState(req, res, body);
      const spec = specOf(req, body, setup ?? STATELESS);
      if (!spec) return answer(res, 502, { 'content-type': 'text/plain' }, `a path outside the API root (${contract.limits.apiRootPath})`);
      const exchange = await job.send(spec);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(exchange.response.headers)) if (!NOT_RELAYED.has(name)) headers[name] = job.redact(value);
      // One level per fact: the Content-Type is ENV-CONTENT-TYPE's (warn). Pact judges a body that
      // parses as JSON as JSON, whatever the label; any other body goes with the target's own label.
      if (exchange.response.json !== undefined) headers['content-type'] = 'application/json';
      answer(res, exchange.response.status, headers, job.redact(exchange.response.bodyText));
    } catch (error) {
      failure = error;
      answer(res, 502, { 'content-type': 'text/plain' }, 'verification ended early');
    }
  }

  // A request that breaks off while being read has no one to answer: its socket is dropped.
  const server: Server = createServer((req, res) => { onRequest(req, res).catch(() => res.destroy()); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let queue: Promise<unknown> = Promise.resolve();

  return {
    url,
    run<T>(next: ProxyJob, fn: () => Promise<T>): Promise<T> {
      // One verification at a time: the proxy answers for one job's states and keys.
      const turn = queue;
      const run = (async () => {
        // Waiting for another rule's verification is not work: rules sleeping meanwhile may wake.
        await (next.idle ? next.idle(turn) : turn);
        job = next;
        setup = undefined;
        failure = undefined;
        try {
          await next.prepare?.();
          const out = await fn();
          if (failure !== undefined) throw failure;
          return out;
        } finally {
          job = undefined;
          setup = undefined;
        }
      })();
      queue = run.catch(() => undefined);
      return run;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
