// A curl command that reproduces a recorded exchange by hand. Keys appear only as the shell variables
// the redaction put in their place ($RUNBASE_API_KEY, …), so the command is safe to paste anywhere.
import { contract } from '../contract/index.ts';
import type { RecordedExchange } from '../conformance/result.ts';

const PLACEHOLDER = /\$(RUNBASE_[A-Z0-9_]+)(#secret)?/g;

/** Single-quote a literal for POSIX shells. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Quote `text`, letting the placeholders expand: literals single-quoted, variables double-quoted. */
export function shellWithPlaceholders(text: string): string {
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

export function curlCommand(exchange: RecordedExchange): string {
  const { request } = exchange;
  const lines: string[] = [];
  const args = [`curl -sS -i -X ${request.method}`, shellWithPlaceholders(request.url)];
  for (const [name, value] of Object.entries(request.headers)) args.push(`-H ${shellWithPlaceholders(`${name}: ${value}`)}`);
  // No Content-Type in the original: stop curl from adding its own for --data-binary.
  if (request.body !== undefined && request.headers['content-type'] === undefined) args.push(`-H 'Content-Type:'`);
  const truncated = request.body !== undefined && request.bodyBytes !== undefined && /… \[\d+ more characters\]$/.test(request.body);
  if (truncated) lines.push(`# the body (${request.bodyBytes} bytes) was cut in the report; the command sends its first part only`);
  if (request.body === undefined) return [...lines, args.join(' ')].join('\n');
  const body = truncated ? request.body.replace(/… \[\d+ more characters\]$/, '') : request.body;
  const source = request.bodyEncoding === 'base64' ? `printf %s ${shellQuote(body)} | base64 -d` : `printf %s ${shellWithPlaceholders(body)}`;
  return [...lines, `${source} | ${args.join(' ')} --data-binary @-`].join('\n');
}
