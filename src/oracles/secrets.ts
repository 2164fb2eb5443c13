import type { Exchange } from '../contract/exchange.ts';
import { contract } from '../contract/index.ts';
import { violation, type Violation } from './types.ts';

/** How a secret was written where it was found. */
export type SecretEncoding = 'raw' | 'percent' | 'json' | 'html' | 'hex' | 'base64' | 'base64url';

export interface SecretForm {
  text: string;
  encoding: SecretEncoding;
  /** The whole key, or its secret part after the prefix. */
  part: 'key' | 'secret';
  /**
   * base64 forms are the aligned middle of a longer encoding: they match inside any encoded value;
   * hex matches inside any longer hex dump. Either is replaced by a marker, not by the variable.
   */
  partial?: boolean;
}

/** Encoded forms shorter than this would match by accident. */
const MIN_FORM = 8;

/** Every byte as %XX, upper and lower case: what a thorough URL encoder or a hostile echo writes. */
function percentAll(text: string): string[] {
  const upper = [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return [upper, upper.toLowerCase()];
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * base64 of a value that holds `text` at some offset: whatever surrounds it, the groups made only of
 * its bytes come out the same for a given offset mod 3. So the three aligned middles (standard and
 * URL-safe alphabets) find the secret inside base64("user:" + key), base64(JSON), and so on.
 */
export function base64Middles(text: string): { std: string; url: string }[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: { std: string; url: string }[] = [];
  for (const skip of [0, 1, 2]) {
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    if (whole <= 0) continue;
    const std = bytes.subarray(skip, skip + whole).toString('base64');
    if (std.length >= MIN_FORM) out.push({ std, url: std.replace(/\+/g, '-').replace(/\//g, '_') });
  }
  return out;
}

/** The forms of a key that must never come back or leave the process, in every encoding we know. */
export function encodedSecretForms(key: string): SecretForm[] {
  const prefix = contract.limits.keys.prefix;
  const secret = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  // A very short secret part would match by accident; the whole key still counts.
  const bases: [string, SecretForm['part']][] = secret.length >= MIN_FORM && secret !== key ? [[key, 'key'], [secret, 'secret']] : [[key, 'key']];
  const forms: SecretForm[] = [];
  for (const [text, part] of bases) {
    forms.push({ text, encoding: 'raw', part });
    for (const p of [encodeURIComponent(text), ...percentAll(text)]) forms.push({ text: p, encoding: 'percent', part });
    const json = JSON.stringify(text).slice(1, -1);
    // Every character as \uXXXX too: what a serializer that escapes everything writes.
    const unicode = [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    for (const j of [json, json.replace(/\//g, '\\/'), unicode, unicode.toUpperCase().replace(/\\U/g, '\\u')]) forms.push({ text: j, encoding: 'json', part });
    // Hex is byte-aligned: the key's hex appears as is inside the hex of any longer value.
    const hex = Buffer.from(text, 'utf8').toString('hex');
    for (const h of [hex, hex.toUpperCase()]) forms.push({ text: h, encoding: 'hex', part, partial: true });
    forms.push({ text: htmlEscape(text), encoding: 'html', part });
    for (const { std, url } of base64Middles(text)) {
      forms.push({ text: std, encoding: 'base64', part, partial: true });
      forms.push({ text: url, encoding: 'base64url', part, partial: true });
    }
  }
  const seen = new Set<string>();
  // The same text under a plainer encoding counts once (a key of letters percent-encodes to itself).
  return forms.filter((f) => (f.encoding === 'raw' || f.text.length >= MIN_FORM) && !seen.has(f.text) && (seen.add(f.text), true));
}

/** The texts of `encodedSecretForms`. */
export function secretForms(key: string): string[] {
  return encodedSecretForms(key).map((f) => f.text);
}

/**
 * The keys a sent Authorization token stands for: the token itself, and any key inside it when it
 * is base64 (the wrong-scheme generator sends `Basic base64("user:" + key)`).
 */
export function keysInToken(token: string): string[] {
  const keys = [token];
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) {
    const decoded = Buffer.from(token, token.includes('-') || token.includes('_') ? 'base64url' : 'base64').toString('utf8');
    const prefix = contract.limits.keys.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const m of decoded.matchAll(new RegExp(`${prefix}[\\x21-\\x7e]{8,}`, 'g'))) keys.push(m[0]);
  }
  return keys;
}

/** Longer runs are not decoded whole (a 10 MB body of one letter is not a credential). */
export const MAX_DECODED_TOKEN = 4096;
/** Runs of base64 characters, long enough to hold a key; bounded, as an unbounded run overflows the regex stack. */
export const BASE64_TOKEN = new RegExp(`[A-Za-z0-9+/_-]{8,${MAX_DECODED_TOKEN}}={0,2}`, 'g');
/** base64 inside base64 is looked into this deep (an echo of a `Basic` token, base64-encoded again). */
export const MAX_BASE64_NESTING = 2;

/** What a whole base64 token decodes to, when it is exactly that (round trip) and printable text. */
export function decodeBase64Token(token: string): { encoding: 'base64' | 'base64url'; text: string }[] {
  const out: { encoding: 'base64' | 'base64url'; text: string }[] = [];
  for (const encoding of ['base64', 'base64url'] as const) {
    const bytes = Buffer.from(token, encoding);
    if (bytes.length === 0 || bytes.toString(encoding) !== token) continue;
    const text = bytes.toString('utf8');
    if (/^[\x20-\x7e]*$/.test(text)) out.push({ encoding, text });
  }
  return out;
}

/** The texts hidden in `text` as whole base64 tokens, nested up to MAX_BASE64_NESTING deep. */
export function decodedTexts(text: string, depth = 0): string[] {
  if (depth >= MAX_BASE64_NESTING) return [];
  return [...text.matchAll(BASE64_TOKEN)]
    .flatMap(([token]) => decodeBase64Token(token).flatMap((d) => [d.text, ...decodedTexts(d.text, depth + 1)]));
}

/** Where in `text` one of `forms` appears: the encodings found, or none. */
export function secretEncodingsIn(text: string, forms: readonly SecretForm[]): SecretEncoding[] {
  const found = new Set(forms.filter((f) => text.includes(f.text)).map((f) => f.encoding));
  // A key inside base64 inside base64: the inner value's forms are found in the decoded text.
  if (found.size === 0) for (const inner of decodedTexts(text)) if (forms.some((f) => inner.includes(f.text))) found.add('base64');
  return [...found];
}

/** SEC-NO-SECRET-ECHO: neither headers nor body contain the key that was sent, in any encoding. */
export function noSecretEcho(exchange: Exchange, sentKey: string | undefined): Violation[] {
  if (!sentKey) return [];
  const forms = keysInToken(sentKey).flatMap(encodedSecretForms);
  const places: string[] = [];
  const where = (place: string, found: SecretEncoding[]) => {
    if (found.length) places.push(found.length === 1 && found[0] === 'raw' ? place : `${place} (${found.join(', ')})`);
  };
  for (const [name, value] of Object.entries(exchange.response.headers)) where(`header ${name}`, secretEncodingsIn(value, forms));
  where('body', secretEncodingsIn(exchange.response.bodyText, forms));
  return places.length === 0 ? [] : violation('noSecretEcho', `the response echoes the API key that was sent (${places.join(', ')})`, 'no trace of the key', `key found in ${places.join(', ')}`);
}
