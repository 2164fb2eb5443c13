// The HTTP client: undici, a timeout for the whole exchange, a cap on the body read, no redirects.
// Every failure to talk to the target becomes a TargetError with a one-line reason.
// Network policy (docs/network.md): HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured as undici's
// EnvHttpProxyAgent reads them (curl's meaning; lower case first); a failure to reach a proxy names it.
import { isUtf8 } from 'node:buffer';
import { Agent, EnvHttpProxyAgent, interceptors, type Dispatcher } from 'undici';
import { TargetError, type Exchange, type HttpRequest, type HttpResponse } from '../contract/exchange.ts';

export interface Client {
  send(req: HttpRequest): Promise<Exchange>;
  close(): Promise<void>;
}

export interface ClientOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  clock?: () => number;
  /** The environment whose proxy variables apply; none (the embedded emulator, in-process) connects directly. */
  proxyEnv?: NodeJS.ProcessEnv;
  /** Sent as User-Agent unless the request names its own. */
  userAgent?: string;
}

export interface ProxySetting { variable: string; value: string }

const envOf = (env: NodeJS.ProcessEnv, name: string): { variable: string; value: string } | undefined => {
  for (const variable of [name.toLowerCase(), name]) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
};

/** Whether NO_PROXY exempts `url` (curl's rules: `*`, a host, a domain and its subdomains, an optional port). */
function exempt(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.split(/[,\s]+/).filter(Boolean).some((entry) => {
    if (entry === '*') return true;
    const [name, entryPort] = entry.toLowerCase().replace(/^\*?\./, '.').split(/:(?=\d+$)/) as [string, string | undefined];
    if (entryPort && entryPort !== port) return false;
    const bare = name.replace(/^\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}

/** The proxy a request to `url` goes through under `env`, if any. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv): ProxySetting | undefined {
  const parsed = new URL(url);
  const proxy = envOf(env, parsed.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (!proxy) return undefined;
  const noProxy = envOf(env, 'NO_PROXY');
  return noProxy && exempt(parsed, noProxy.value) ? undefined : proxy;
}

/** A proxy named without its credentials. */
function proxyName(proxy: ProxySetting): string {
  try {
    const u = new URL(proxy.value);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(a value that is not a URL)';
  }
}

function describeFailure(error: unknown, req: HttpRequest, timeoutMs: number, proxy?: ProxySetting): string {
  const where = (() => { try { return new URL(req.url).host; } catch { return req.url; } })();
  // Through a proxy, a refused or unresolvable connection is the proxy's: say which (a setting to fix, exit 2).
  if (proxy) return `could not reach ${where} through the proxy ${proxyName(proxy)} (${proxy.variable}): ${describeFailure(error, req, timeoutMs).replace(/ (by|from|to|resolve) \S+/, '')}`;
  const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  switch (code) {
    case 'ECONNREFUSED': return `connection refused by ${where}`;
    case 'ECONNRESET': case 'UND_ERR_SOCKET': return `connection reset by ${where}`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `cannot resolve ${where}`;
    case 'UND_ERR_HEADERS_TIMEOUT': case 'UND_ERR_BODY_TIMEOUT': case 'UND_ERR_CONNECT_TIMEOUT': return `no response from ${where} within ${timeoutMs} ms`;
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no response from ${where} within ${timeoutMs} ms`;
  if (code?.startsWith('ERR_TLS') || /certificate|TLS|SSL/i.test(err.message ?? '')) return `TLS failure talking to ${where}: ${err.message}`;
  return `request to ${where} failed: ${err.message ?? String(error)}${code ? ` (${code})` : ''}`;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Origin and path exactly as written. A URL parser resolves dot segments ("/runs/./x" becomes
 * "/runs/x"), and the path-variant probes must reach the target byte for byte; a path with
 * characters HTTP cannot carry, or a fragment, falls back to the parsed form.
 */
export function asWritten(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const raw = start < 0 ? '' : url.slice(start);
  return { origin: parsed.origin, path: /^\/[\x21-\x22\x24-\x7e]*$/.test(raw) ? raw : parsed.pathname + parsed.search };
}

/** The variables as read here (lower case first), handed to undici so both agree. */
function proxyOverrides(env: NodeJS.ProcessEnv): { httpProxy?: string; httpsProxy?: string; noProxy?: string } {
  const [http, https, no] = [envOf(env, 'HTTP_PROXY'), envOf(env, 'HTTPS_PROXY'), envOf(env, 'NO_PROXY')];
  return { ...(http ? { httpProxy: http.value } : {}), ...(https ? { httpsProxy: https.value } : {}), ...(no ? { noProxy: no.value } : {}) };
}

/**
 * An idle connection is reused for 1 s at most, whatever the server's Keep-Alive hint. undici keeps one
 * until 2 s before the hint (node:http's 5 s gives 3 s), so a client that is late by 2 s (a loaded CI
 * machine) sends on a socket the server has just closed: "other side closed", a whole run lost to exit 2.
 * Idle servers commonly close after 5 s or more; 1 s leaves the margin to a loaded machine.
 */
export const IDLE_CONNECTIONS = { keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 } as const;

/**
 * A GET or HEAD whose connection was reset before any answer is sent once more, on a new connection:
 * on a loaded machine a pooled connection can still be reused as the server closes it, past even the
 * 1 s above. Only these methods (never a create, which could be billed twice), only resets (never a
 * status: a 429 or 5xx is the target's answer to judge), and once (a target that resets every
 * connection is still unusable, exit 2).
 */
export const RESET_RETRY = { maxRetries: 1, minTimeout: 0, methods: ['GET', 'HEAD'], statusCodes: [], errorCodes: ['ECONNRESET', 'UND_ERR_SOCKET'] } satisfies Parameters<typeof interceptors.retry>[0];

export function createClient(opts: ClientOptions): Client {
  const now = opts.clock ?? Date.now;
  const timeouts = { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs, ...IDLE_CONNECTIONS };
  const env = opts.proxyEnv;
  const proxied = env !== undefined && (envOf(env, 'HTTP_PROXY') !== undefined || envOf(env, 'HTTPS_PROXY') !== undefined);
  const base: Dispatcher = proxied ? new EnvHttpProxyAgent({ ...timeouts, ...proxyOverrides(env) }) : new Agent(timeouts);
  const agent = base.compose(interceptors.retry(RESET_RETRY));

  async function send(req: HttpRequest): Promise<Exchange> {
    const startedAt = now();
    const t0 = performance.now();
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let response: HttpResponse;
    try {
      const res = await agent.request({
        ...asWritten(req.url),
        method: req.method as 'GET',
        headers: opts.userAgent && req.headers['user-agent'] === undefined ? { ...req.headers, 'user-agent': opts.userAgent } : req.headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (size + buf.length > opts.maxBodyBytes) {
          chunks.push(buf.subarray(0, opts.maxBodyBytes - size));
          size = opts.maxBodyBytes;
          truncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(buf);
        size += buf.length;
      }
      const bytes = Buffer.concat(chunks);
      const bodyText = bytes.toString('utf8');
      // The text is decoded leniently (U+FFFD); that the bytes were not UTF-8 is kept for the oracles.
      const invalidUtf8 = !truncated && !isUtf8(bytes);
      let json: unknown;
      if (!truncated && bodyText.trim() !== '') {
        try { json = JSON.parse(bodyText); } catch { json = undefined; }
      }
      response = { status: res.statusCode, headers: flattenHeaders(res.headers), bodyText, truncated, ...(json === undefined ? {} : { json }), ...(invalidUtf8 ? { invalidUtf8 } : {}) };
    } catch (error) {
      throw new TargetError(describeFailure(error, req, opts.timeoutMs, proxied ? proxyFor(req.url, env) : undefined), req, { cause: error });
    }
    return { request: req, response, startedAt, durationMs: performance.now() - t0 };
  }

  return { send, close: () => agent.close() };
}
