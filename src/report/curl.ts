// A curl command that reproduces a recorded exchange by hand. Keys appear only as the shell variables
// the redaction put in their place ($RUNBASE_API_KEY, …), so the command is safe to paste anywhere.
import { contract } from '../contract/index.ts';
import type { RecordedExchange } from '../conformance/result.ts';
import { ENCODED_PLACEHOLDER } from '../conformance/redact.ts';

const PLACEHOLDER = /\$(RUNBASE_[A-Z0-9_]+)(#secret)?/g;

/** Single-quote a literal for POSIX shells. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Quote `text`, letting the placeholders expand: literals single-quoted, variables double-quoted. */
function shellWithVariables(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(shellQuote(text.slice(last, match.index)));
    parts.push(match[2] ? `"\${${match[1]}#${contract.limits.keys.prefix}}"` : `"\${${match[1]}}"`);
    last = match.index + match[0].length;
  }
  if (last < text.length || parts.length === 0) parts.push(shellQuote(text.slice(last)));
  return parts.join('');
}

/** `[base64 of user:$KEY]` → the shell encodes the value built from the variable, as the suite did. */
function encodedInShell(encoding: string, inner: string): string {
  const plain = inner.replace(/\\(.)/g, '$1');
  const urlSafe = encoding === 'base64url' ? ` | tr '+/' '-_' | tr -d '='` : '';
  return `"$(printf %s ${shellWithVariables(plain)} | base64 | tr -d '\\n'${urlSafe})"`;
}

/** Quote `text`, letting the placeholders expand (encoded ones are rebuilt from their variables). */
export function shellWithPlaceholders(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(ENCODED_PLACEHOLDER)) {
    if (match.index > last) parts.push(shellWithVariables(text.slice(last, match.index)));
    parts.push(encodedInShell(match[1]!, match[2]!));
    last = match.index + match[0].length;
  }
  if (last < text.length || parts.length === 0) parts.push(shellWithVariables(text.slice(last)));
  return parts.join('');
}

/** A part of an encoded value held a key but the value could not be decoded whole: no rebuild. */
const UNREBUILDABLE = /\[RUNBASE_[A-Z0-9_]+(#secret)? in base64(url)?\]/;

export function curlCommand(exchange: RecordedExchange): string {
  const { request } = exchange;
  const lines: string[] = [];
  const args = [`curl -sS -i -X ${request.method}`, shellWithPlaceholders(request.url)];
  for (const [name, value] of Object.entries(request.headers)) args.push(`-H ${shellWithPlaceholders(`${name}: ${value}`)}`);
  // No Content-Type in the original: stop curl from adding its own for --data-binary.
  if (request.body !== undefined && request.headers['content-type'] === undefined) args.push(`-H 'Content-Type:'`);
  const truncated = request.body !== undefined && request.bodyBytes !== undefined && /… \[\d+ more characters\]$/.test(request.body);
  if (truncated) lines.push(`# the body (${request.bodyBytes} bytes) was cut in the report; the command sends its first part only`);
  if (UNREBUILDABLE.test(JSON.stringify(request))) lines.push('# a key inside an encoded value was redacted and cannot be rebuilt here; the command differs from the request there');
  if (request.body === undefined) return [...lines, args.join(' ')].join('\n');
  const body = truncated ? request.body.replace(/… \[\d+ more characters\]$/, '') : request.body;
  const source = request.bodyEncoding === 'base64' ? `printf %s ${shellQuote(body)} | base64 -d` : `printf %s ${shellWithPlaceholders(body)}`;
  return [...lines, `${source} | ${args.join(' ')} --data-binary @-`].join('\n');
}
