// Secrets never leave the process: every exchange is redacted before it is recorded anywhere.
import type { Exchange } from '../http/types.ts';
import type { RecordedExchange } from './result.ts';
import { secretForms } from '../oracles/secrets.ts';

/** Secret value → placeholder such as `$RUNBASE_DISABLED_KEY`. */
export type Secrets = ReadonlyMap<string, string>;

const MAX_RECORDED_BODY = 4096;

export function redactText(text: string, secrets: Secrets): string {
  let out = text;
  // Longest first, so a key is replaced whole before its secret part could be.
  const pairs = [...secrets].flatMap(([value, name]) => secretForms(value).map((form) => [form, form === value ? name : `${name}#secret`] as const));
  for (const [form, name] of pairs.sort((a, b) => b[0].length - a[0].length)) out = out.split(form).join(name);
  return out;
}

function redactHeaders(headers: Record<string, string>, secrets: Secrets): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, redactText(v, secrets)]));
}

function cut(text: string): string {
  return text.length > MAX_RECORDED_BODY ? `${text.slice(0, MAX_RECORDED_BODY)}… [${text.length - MAX_RECORDED_BODY} more characters]` : text;
}

type RecordedBody = Pick<RecordedExchange['request'], 'body' | 'bodyBytes' | 'bodyEncoding' | 'fullBody'>;

/** A body as recorded: cut for the report, and whole in `fullBody` when cut (saved to a file later). */
function cutBody(whole: string, bodyBytes: number, bodyEncoding: 'utf8' | 'base64'): RecordedBody {
  const body = cut(whole);
  return { body, bodyBytes, bodyEncoding, ...(body !== whole ? { fullBody: whole } : {}) };
}

function recordBody(body: string | Uint8Array | undefined, secrets: Secrets, wholeBody: boolean): RecordedBody {
  if (body === undefined) return {};
  if (!wholeBody) {
    const { fullBody: _, ...rest } = recordBody(body, secrets, true);
    return rest;
  }
  if (typeof body === 'string') return cutBody(redactText(body, secrets), Buffer.byteLength(body), 'utf8');
  const bytes = Buffer.from(body);
  const asText = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Bytes that are not UTF-8 are kept exactly (base64), so the curl reproduction sends the same bytes.
  const exact = Buffer.from(asText, 'utf8').equals(bytes);
  return exact ? cutBody(redactText(asText, secrets), bytes.length, 'utf8') : cutBody(bytes.toString('base64'), bytes.length, 'base64');
}

/** `wholeBody`: keep a cut request body whole too (for a failure's reproduction; not for observations). */
export function recordExchange(exchange: Exchange, secrets: Secrets, opts: { wholeBody?: boolean } = {}): RecordedExchange {
  const { request, response } = exchange;
  return {
    request: { method: request.method, url: redactText(request.url, secrets), headers: redactHeaders(request.headers, secrets), ...recordBody(request.body, secrets, opts.wholeBody ?? true) },
    response: { status: response.status, headers: redactHeaders(response.headers, secrets), body: cut(redactText(response.bodyText, secrets)), truncated: response.truncated },
    durationMs: Math.round(exchange.durationMs),
  };
}
