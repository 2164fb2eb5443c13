// The HTTP client: undici, a timeout for the whole exchange, a cap on the body read, no redirects.
// Every failure to talk to the target becomes a TargetError with a one-line reason.
import { Agent } from 'undici';
import { TargetError, type Exchange, type HttpRequest, type HttpResponse } from '../contract/exchange.ts';

export interface Client {
  send(req: HttpRequest): Promise<Exchange>;
  close(): Promise<void>;
}

export interface ClientOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  clock?: () => number;
}

function describeFailure(error: unknown, req: HttpRequest, timeoutMs: number): string {
  const where = (() => { try { return new URL(req.url).host; } catch { return req.url; } })();
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

export function createClient(opts: ClientOptions): Client {
  const now = opts.clock ?? Date.now;
  const agent = new Agent({ headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs, keepAliveTimeout: 4_000 });

  async function send(req: HttpRequest): Promise<Exchange> {
    const startedAt = now();
    const t0 = performance.now();
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let response: HttpResponse;
    try {
      const res = await agent.request({
        ...asWritten(req.url),
        method: req.method as 'GET',
        headers: req.headers,
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
      const bodyText = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      if (!truncated && bodyText.trim() !== '') {
        try { json = JSON.parse(bodyText); } catch { json = undefined; }
      }
      response = { status: res.statusCode, headers: flattenHeaders(res.headers), bodyText, truncated, ...(json === undefined ? {} : { json }) };
    } catch (error) {
      throw new TargetError(describeFailure(error, req, opts.timeoutMs), req, { cause: error });
    }
    return { request: req, response, startedAt, durationMs: performance.now() - t0 };
  }

  return { send, close: () => agent.close() };
}
