// Secrets never leave the process: every exchange is redacted before it is recorded anywhere.
import type { Exchange } from '../contract/exchange.ts';
import { KEY_FIXTURES, fixtureEnv, poolPlaceholder } from '../contract/key-fixtures.ts';
import type { Config } from '../settings/index.ts';
import type { RecordedExchange } from './result.ts';
import { BASE64_TOKEN, MAX_BASE64_NESTING, decodeBase64Token, encodedSecretForms, type SecretForm } from '../oracles/secrets.ts';

/** Secret value → placeholder such as `$RUNBASE_DISABLED_KEY`. */
export type Secrets = ReadonlyMap<string, string>;

/** Every configured secret → its placeholder: pool keys, fixture keys, the admin token. Here, not in
 * the harness, because the reporter and the CLIs redact with it too. */
export function secretsOf(config: Config): Map<string, string> {
  const map = new Map<string, string>();
  config.keys.pool.forEach((key, i) => map.set(key, poolPlaceholder(i, config.keys.pool.length)));
  for (const [fixture, field] of Object.entries(KEY_FIXTURES)) {
    const key = config.keys[field];
    if (key) map.set(key, `$${fixtureEnv(fixture)}`);
  }
  if (config.admin) map.set(config.admin.token, `$${fixtureEnv('emulatorState', 1)}`);
  return map;
}

const MAX_RECORDED_BODY = 4096;

/** Written where a base64 value held a key: `[base64 of user:$RUNBASE_API_KEY]` (the curl rebuilds it). */
export const ENCODED_PLACEHOLDER = /\[(base64|base64url) of ((?:[^\]\\]|\\.)*)\]/g;

interface Pair { form: SecretForm; name: string }

const pairsCache = new WeakMap<Secrets, { size: number; pairs: Pair[] }>();

function pairsOf(secrets: Secrets): Pair[] {
  const cached = pairsCache.get(secrets);
  if (cached && cached.size === secrets.size) return cached.pairs;
  // Longest first, so a key is replaced whole before its secret part could be.
  const pairs = [...secrets]
    .flatMap(([value, name]) => encodedSecretForms(value).map((form) => ({ form, name })))
    .sort((a, b) => b.form.text.length - a.form.text.length);
  pairsCache.set(secrets, { size: secrets.size, pairs });
  return pairs;
}

/** What replaces one form: the variable for plain and escaped forms, a marker for a part of a base64 value. */
function placeholderFor({ form, name }: Pair): string {
  const variable = form.part === 'secret' ? `${name}#secret` : name;
  return form.partial ? `[${variable.replace(/^\$/, '')} in ${form.encoding}]` : variable;
}

/**
 * A whole base64 token that decodes to text holding a secret (directly, or in base64 inside it) is
 * replaced by `[base64 of <that text, redacted>]`, so the reproduction can rebuild it.
 */
function redactEncodedTokens(text: string, pairs: readonly Pair[], depth = 0): string {
  const middles = pairs.filter((p) => p.form.partial);
  return text.replace(BASE64_TOKEN, (token) => {
    const holdsMiddle = middles.some((p) => token.includes(p.form.text));
    // Only a token with a secret's base64 in it, or a long one that may hold base64 itself, is decoded.
    if (!holdsMiddle && (token.length < 16 || depth >= MAX_BASE64_NESTING - 1)) return token;
    for (const { encoding, text: decoded } of decodeBase64Token(token)) {
      if (/[\]\\]/.test(decoded)) continue;
      const inner = replaceForms(redactEncodedTokens(decoded, pairs, depth + 1), pairs);
      if (inner !== decoded) return `[${encoding} of ${inner}]`;
    }
    return token;
  });
}

function replaceForms(text: string, pairs: readonly Pair[]): string {
  let out = text;
  for (const pair of pairs) if (out.includes(pair.form.text)) out = out.split(pair.form.text).join(placeholderFor(pair));
  return out;
}

export function redactText(text: string, secrets: Secrets): string {
  if (secrets.size === 0) return text;
  const pairs = pairsOf(secrets);
  return replaceForms(redactEncodedTokens(text, pairs), pairs);
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
