// Hostile targets on loopback: servers that misbehave on purpose, so the self-tests and
// `npm run bench:hostile` can show that `npm test` ends, with the right exit, and prints no secret.
// Each is a table entry: a name, how to start it, and the exit `npm test` must give.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { errorAnswer, startEmulator, provisionFixtures, type RunningEmulator } from '../emulator/index.ts';
import { errorForFault, type FaultName } from '../contract/index.ts';

export interface HostileTarget {
  /** RUNBASE_* settings that point `npm test` at it. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface HostileCase {
  name: string;
  what: string;
  /** The exits that are right: 2 for a target that cannot be judged, 1 where a contract rule fails. */
  exits: readonly number[];
  /** Answers nothing faithfully: a short RUNBASE_TIMEOUT_MS in the self-tests changes no verdict. */
  neverFaithful?: boolean;
  start(): Promise<HostileTarget>;
}

const KEYS = { RUNBASE_API_KEY: 'sk-hostileplantedkey0001,sk-hostileplantedkey0002', RUNBASE_OTHER_ACCOUNT_KEY: 'sk-hostileplantedother001' };

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A server and every socket it accepted, closed together. */
function tracked<T extends Server | ReturnType<typeof createTcpServer>>(server: T): { server: T; close(): Promise<void> } {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return {
    server,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    }),
  };
}

/** Answers every request with the same thing, whatever it asked. */
function sameAnswer(handler: (req: IncomingMessage, res: ServerResponse) => void): () => Promise<HostileTarget> {
  return async () => {
    const t = tracked(createServer(handler));
    const url = await listen(t.server);
    return { env: { RUNBASE_URL: url, ...KEYS }, close: t.close };
  };
}

async function tcp(onSocket: (socket: Socket) => void): Promise<HostileTarget> {
  const t = tracked(createTcpServer(onSocket));
  const url = await listen(t.server);
  return { env: { RUNBASE_URL: url, ...KEYS }, close: t.close };
}

type Edit = (req: IncomingMessage, headers: Record<string, string>, body: Buffer) => { headers: Record<string, string>; body: Buffer };

function forward(target: string, req: IncomingMessage, res: ServerResponse, body: Buffer, edit?: Edit, fresh = false): void {
  const out = httpRequest(target + (req.url ?? '/'), { method: req.method, headers: req.headers, ...(fresh ? { agent: false } : {}) }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      const headers = Object.fromEntries(Object.entries(answer.headers).flatMap(([k, v]) => (v === undefined || k === 'content-length' || k === 'connection' ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));
      const edited = edit ? edit(req, headers, Buffer.concat(chunks)) : { headers, body: Buffer.concat(chunks) };
      res.writeHead(answer.statusCode ?? 502, { ...edited.headers, 'content-length': edited.body.length });
      res.end(edited.body);
    });
  });
  // Node's agent may reuse a connection the emulator closed as idle at the same moment (both wait 5 s):
  // that one is sent again on a new connection, as Node's docs advise; any other error cuts the client.
  out.on('error', () => (out.reusedSocket && !fresh ? forward(target, req, res, body, edit, true) : res.destroy()));
  out.end(body);
}

/**
 * The faithful emulator (virtual clock, every fixture) behind a proxy that answers the first `n`
 * requests faithfully, then misbehaves as `after` says; `edit` rewrites answers that are forwarded.
 */
function emulatorBehind(opts: { n?: number; after?: 'die' | 'hang' | 'throttle' | 'empty-200' | { redirectTo: string }; edit?: Edit; counts?: ProxyCounts; resetWhen?: (req: IncomingMessage) => boolean }): () => Promise<HostileTarget> {
  return async () => {
    const emulator: RunningEmulator = await startEmulator({ clock: 'virtual' });
    let seen = 0;
    let proxy: ReturnType<typeof tracked<Server>>;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen++;
        if (opts.counts) { opts.counts.seen = seen; opts.counts.agents?.add(req.headers['user-agent'] ?? '<none>'); opts.counts.onRequest?.(seen); }
        if (opts.resetWhen?.(req)) return req.socket.resetAndDestroy();
        if (opts.n !== undefined && seen > opts.n) {
          if (opts.after === 'hang') return; // never answers
          if (typeof opts.after === 'object') {
            res.writeHead(307, { location: opts.after.redirectTo + (req.url ?? '/'), 'content-type': 'application/json' });
            res.end('{}');
            return;
          }
          if (opts.after === 'empty-200') {
            if (opts.counts) opts.counts.cheated++;
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{}');
            return;
          }
          if (opts.after === 'throttle') {
            sendDocumentedError(res, 'rateLimited', { 'retry-after': '3600' });
            return;
          }
          void proxy.close(); // stops listening and drops every connection: refused from now on
          return;
        }
        forward(emulator.url, req, res, Buffer.concat(chunks), opts.edit);
      });
    });
    proxy = tracked(server);
    const url = await listen(server);
    const env = provisionFixtures(emulator.state, { url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    return { env: { ...env, RUNBASE_URL: url, RUNBASE_CLOCK: 'virtual' }, close: async () => { await proxy.close(); await emulator.close(); } };
  };
}

/** What a proxy in front of the emulator saw: requests, and how many it answered falsely. */
export interface ProxyCounts {
  seen: number;
  cheated: number;
  /** Called on each request, with the count so far. */
  onRequest?: (seen: number) => void;
  /** Every User-Agent seen, when given. */
  agents?: Set<string>;
}

/**
 * A cheater: the faithful emulator for `n` requests, then `200 {}` to everything. Whatever `n`, the
 * run must not conform: every request after it is judged by the rule that sent it.
 */
export function cheaterAfter(n: number, counts: ProxyCounts): () => Promise<HostileTarget> {
  return emulatorBehind({ n, after: 'empty-200', counts });
}

/** The faithful emulator for `n` requests, then a 307 to the same path at `origin` for everything. */
export function redirectsAfter(n: number, origin: string): () => Promise<HostileTarget> {
  return emulatorBehind({ n, after: { redirectTo: origin } });
}

/** The faithful emulator behind a proxy that counts every request it forwards. */
export function countedEmulator(counts: ProxyCounts): () => Promise<HostileTarget> {
  return emulatorBehind({ counts });
}

/** Every form a careless or hostile server might echo a credential in. */
function echoForms(authorization: string): string[] {
  const token = authorization.replace(/^\S+\s+/, '');
  return [
    authorization,
    Buffer.from(token).toString('base64'),
    Buffer.from(`user:${token}`).toString('base64url'),
    [...Buffer.from(token)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    encodeURIComponent(token),
    Buffer.from(`Basic x:${token};`).toString('base64'),
    Buffer.from(token).toString('hex'),
    [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  ];
}

/** Adds every encoded form of the Authorization it received to a header and to the JSON body. */
const echoKeys: Edit = (req, headers, body) => {
  const auth = req.headers.authorization;
  if (!auth) return { headers, body };
  const forms = echoForms(auth);
  let json: unknown;
  try { json = JSON.parse(body.toString('utf8')); } catch { json = undefined; }
  const edited = json && typeof json === 'object' && !Array.isArray(json) ? Buffer.from(JSON.stringify({ ...json, debug: forms })) : body;
  return { headers: { ...headers, 'x-debug-auth': forms.join(' ') }, body: edited };
};

/**
 * Bytes a target can plant to fool whoever reads the output: terminal escapes (clear screen, colour,
 * window title), a lone CR that rewrites the line, GitHub workflow commands on a line of their own,
 * NUL and other characters XML forbids, Markdown that breaks out of a code span into a heading, an
 * image, a link and a table, and HTML.
 */
export const PLANTED_BYTES: readonly string[] = [
  '\x1b[2J\x1b[1;31mFORGED-ESC\x1b[0m', '\x1b]0;FORGED-TITLE\x07', 'shown\rFORGED-CR',
  '\n::stop-commands::forgedtoken\n::error title=FORGED-CMD::forged\n', '\u0000\u0001\u0008\u000b\u000c\ufffe',
  '``` ` ``\n\n# FORGED-HEADING\n\n![FORGED-IMG](http://127.0.0.1:9/x.png) [FORGED-LINK](http://127.0.0.1:9/)\n\n| FORGED | CELL |\n|---|---|\n',
  ']]><script>alert("FORGED-SCRIPT")</script><img src=x onerror=alert(1)><!--',
];
const PLANTED = PLANTED_BYTES.join(' ');
/** The same in a header value, which HTTP keeps free of control characters. */
export const PLANTED_HEADER = '`` ::warning::FORGED-HEADER <script>alert(1)</script> ![FORGED-HIMG](http://127.0.0.1:9/h.png)';

/**
 * Every error answer gets the planted bytes: in turn as its code (valid JSON, so the code read from
 * it holds them raw) and raw inside its message (control characters make it invalid JSON, so the
 * body is shown as text); every answer gets them in a header.
 */
function plantsBytes(): Edit {
  let n = 0;
  return (_req, headers, body) => {
    const planted = { ...headers, 'x-planted': PLANTED_HEADER };
    let json: { error?: { code?: unknown } } | undefined;
    try { json = JSON.parse(body.toString('utf8')) as typeof json; } catch { json = undefined; }
    if (!json?.error) return { headers: planted, body };
    const edited = n++ % 2 === 0
      ? JSON.stringify({ error: { ...json.error, code: PLANTED } })
      : `{"error":{"message":"${PLANTED}","code":${JSON.stringify(json.error.code)}}}`;
    return { headers: planted, body: Buffer.from(edited, 'utf8') };
  };
}

/** An error answer's message ends in 0xC3 0x28: a lead byte without its continuation, not UTF-8. */
const invalidUtf8Message: Edit = (_q, headers, body) => {
  const text = body.toString('utf8');
  const at = text.indexOf('","code":');
  if (!text.startsWith('{"error":') || at < 0) return { headers, body };
  return { headers, body: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(at))]) };
};

/** The emulator's answer for a documented fault (status, envelope and code from the contract), plus `headers`. */
function sendDocumentedError(res: ServerResponse, fault: FaultName, headers: Record<string, string> = {}): void {
  const answer = errorAnswer(errorForFault(fault).code);
  res.writeHead(answer.status, { ...answer.headers, ...headers });
  res.end(JSON.stringify(answer.body));
}

export const hostileCases: readonly HostileCase[] = [
  {
    name: 'refused', neverFaithful: true, what: 'nothing listens on the port', exits: [2],
    start: async () => { const t = tracked(createServer()); const url = await listen(t.server); await t.close(); return { env: { RUNBASE_URL: url, ...KEYS }, close: async () => {} }; },
  },
  { name: 'silent', neverFaithful: true, what: 'accepts the connection, never says a word', exits: [2], start: () => tcp(() => { /* silence */ }) },
  {
    name: 'drip', neverFaithful: true, what: 'sends a 200 and then one byte of body per second, forever', exits: [2],
    start: sameAnswer((_q, s) => {
      s.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => s.write(' '), 1000);
      s.on('close', () => clearInterval(timer));
    }),
  },
  { name: 'reset', neverFaithful: true, what: 'resets every connection', exits: [2], start: () => tcp((socket) => socket.resetAndDestroy()) },
  { name: 'html', neverFaithful: true, what: 'a web page, 200, to everything', exits: [2], start: sameAnswer((_q, s) => { s.writeHead(200, { 'content-type': 'text/html' }); s.end('<!doctype html><title>Welcome</title>'); }) },
  { name: 'empty-200', neverFaithful: true, what: '200 {} to everything', exits: [1, 2], start: sameAnswer((_q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{}'); }) },
  {
    name: 'json-redirect', neverFaithful: true, what: 'a JSON 302 to itself, to everything', exits: [1, 2],
    start: sameAnswer((q, s) => { s.writeHead(302, { location: q.url ?? '/', 'content-type': 'application/json' }); s.end('{"redirect":true}'); }),
  },
  {
    name: '429-forever', neverFaithful: true, what: '429 RATE_LIMITED with Retry-After: 3600, to everything', exits: [2],
    start: sameAnswer((_q, s) => sendDocumentedError(s, 'rateLimited', { 'retry-after': '3600' })),
  },
  {
    name: 'auth-dropped', neverFaithful: true, what: '401 missing_api_key to everything, as behind a proxy that drops Authorization', exits: [2],
    start: sameAnswer((_q, s) => sendDocumentedError(s, 'noAuth')),
  },
  {
    name: 'redirect-to-html', neverFaithful: true, what: 'a 302 to a login page (HTML), to everything', exits: [2],
    start: sameAnswer((q, s) => {
      if (q.url === '/login') { s.writeHead(200, { 'content-type': 'text/html' }); s.end('<!doctype html><title>Sign in</title>'); return; }
      s.writeHead(302, { location: '/login', 'content-type': 'text/html' }); s.end('<a href="/login">Found</a>');
    }),
  },
  {
    name: 'throttles-keys', neverFaithful: true, what: 'the documented 401 without a key, 429 RATE_LIMITED with Retry-After: 3600 to every request with one', exits: [2],
    start: sameAnswer((q, s) => (q.headers.authorization ? sendDocumentedError(s, 'rateLimited', { 'retry-after': '3600' }) : sendDocumentedError(s, 'noAuth'))),
  },
  // 250 requests: enough for the rules running concurrently at the start to reach verdicts before the target goes.
  { name: 'dies-after-250', what: 'a faithful API for 250 requests, then the port is closed', exits: [2], start: emulatorBehind({ n: 250, after: 'die' }) },
  { name: 'hangs-after-250', what: 'a faithful API for 250 requests, then no answer ever', exits: [2], start: emulatorBehind({ n: 250, after: 'hang' }) },
  { name: 'throttles-after-250', what: 'a faithful API for 250 requests, then 429 RATE_LIMITED with Retry-After: 3600 to everything', exits: [2], start: emulatorBehind({ n: 250, after: 'throttle' }) },
  { name: 'empty-200-from-request-401', what: 'a faithful API for 400 requests, then 200 {} to everything', exits: [1], start: emulatorBehind({ n: 400, after: 'empty-200' }) },
  { name: 'plants-bytes', what: 'a faithful API whose error answers carry terminal escapes, a lone CR, workflow commands, NUL, Markdown and HTML in codes, messages and a header', exits: [1], start: () => emulatorBehind({ edit: plantsBytes() })() },
  {
    name: 'duplicate-keys', what: 'a faithful API whose error answers repeat "code", a wrong value first (JSON.parse keeps the right one, the last)', exits: [0],
    start: emulatorBehind({ edit: (_q, headers, body) => ({ headers, body: Buffer.from(body.toString('utf8').replace(/^\{"error":\{/, '{"error":{"code":"wrong_code",')) }) }),
  },
  {
    name: 'invalid-utf8-message', what: 'a faithful API whose error messages end in bytes that are not UTF-8', exits: [1],
    start: emulatorBehind({ edit: invalidUtf8Message }),
  },
  { name: 'echoes-keys', what: 'a faithful API that echoes the Authorization raw, base64, base64 of user:key and inside a longer base64 value, percent-encoded, hex and \\u-escaped', exits: [1], start: emulatorBehind({ edit: echoKeys }) },
  // As Prism's proxy does: the connection of a request whose path does not percent-decode is reset.
  { name: 'resets-odd-ids', what: 'a faithful API that resets the connection of a request whose path does not percent-decode', exits: [1], start: emulatorBehind({ resetWhen: (req) => { try { decodeURIComponent(req.url ?? ''); return false; } catch { return true; } } }) },
  { name: 'broker-401', what: 'a faithful API, and a Pact Broker that answers 401 to everything', exits: [2], start: withBroker401(emulatorBehind({})) },
];

/** The target `start` gives, plus a Pact Broker on loopback that refuses every request (401). */
function withBroker401(start: () => Promise<HostileTarget>): () => Promise<HostileTarget> {
  return async () => {
    const target = await start();
    const broker = tracked(createServer((_q, s) => { s.writeHead(401, { 'content-type': 'application/hal+json' }); s.end('{"error":"Unauthorized"}'); }));
    const url = await listen(broker.server);
    return {
      env: { ...target.env, RUNBASE_RUNS: '1', PACT_BROKER_BASE_URL: url, PACT_BROKER_TOKEN: 'pbtok-hostileplantedbroker01', PACT_PROVIDER_VERSION: '1.0.0' },
      close: async () => { await broker.close(); await target.close(); },
    };
  };
}

export function hostileCaseByName(name: string): HostileCase {
  const found = hostileCases.find((c) => c.name === name);
  if (!found) throw new Error(`no hostile target named ${name}; known: ${hostileCases.map((c) => c.name).join(', ')}`);
  return found;
}

const b64 = (text: string, encoding: BufferEncoding = 'base64') => Buffer.from(text).toString(encoding);
const percentAll = (text: string) => [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Every way a key might be written: what the planted-secret scans search each output for. */
export const PLANTED_FORMS: readonly [string, (key: string) => string][] = [
  ['raw', (k) => k],
  ['secret part', (k) => k.slice(3)],
  ['percent (URI component)', (k) => encodeURIComponent(k)],
  ['percent (every byte, lower case)', (k) => percentAll(k)],
  ['percent (every byte, upper case)', (k) => percentAll(k).toUpperCase()],
  ['JSON-escaped', (k) => JSON.stringify(k).slice(1, -1).replace(/\//g, '\\/')],
  ['HTML-escaped', (k) => k.replace(/&/g, '&amp;')],
  ['JSON \\u-escaped, every character', (k) => [...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')],
  ['hex (lower case)', (k) => Buffer.from(k).toString('hex')],
  ['hex (upper case)', (k) => Buffer.from(k).toString('hex').toUpperCase()],
  ['base64', (k) => b64(k)],
  ['base64url', (k) => b64(k, 'base64url')],
  ['base64 of user:key (offset 2)', (k) => b64(`user:${k}`)],
  ['base64url of user:key (offset 2)', (k) => b64(`user:${k}`, 'base64url')],
  ['base64 of u:key (offset 2)', (k) => b64(`u:${k}`)],
  ['base64url of a JSON object (offset 1)', (k) => b64(`{"key":"${k}"}`, 'base64url')],
  ['base64 of the secret part at offset 1', (k) => b64(`x${k.slice(3)}`)],
  ['base64 of base64 of user:key', (k) => b64(b64(`user:${k}`))],
  // Inside any longer base64 value, whatever precedes the key, the groups made of its bytes alone
  // come out as one of these three (by the key's offset mod 3), in either alphabet.
  ...[0, 1, 2].flatMap((skip): [string, (key: string) => string][] => (['base64', 'base64url'] as const).map((enc) => [
    `${enc} inside any longer value (offset ≡ ${(3 - skip) % 3} mod 3)`,
    (k: string) => { const bytes = Buffer.from(k).subarray(skip); return bytes.subarray(0, bytes.length - (bytes.length % 3)).toString(enc); },
  ])),
];

/** The secrets in a set of RUNBASE_* settings: every key of the pool and each fixture key, the admin token. */
export function plantedSecrets(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name]) => /^(RUNBASE_(.*_KEY|ADMIN_TOKEN)|PACT_BROKER_(TOKEN|PASSWORD))$/.test(name))
    .flatMap(([, value]) => value.split(',').map((v) => v.trim()).filter(Boolean));
}

/** Which planted secret appears in `text`, and in which form: empty when none does. */
export function findPlanted(text: string, secrets: readonly string[]): string[] {
  return secrets.flatMap((secret, i) => PLANTED_FORMS.filter(([, form]) => text.includes(form(secret))).map(([name]) => `secret #${i + 1} (${name})`));
}

