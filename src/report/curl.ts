// A curl command that reproduces a recorded exchange by hand. Keys appear only as the shell variables
// the redaction put in their place ($RUNBASE_API_KEY, …), so the command is safe to paste anywhere;
// it runs after the settings are loaded into the shell (`set -a; . ./.env; set +a`).
import { contract } from '../contract/index.ts';
import { loadSettingsStep, shellQuote } from '../settings/index.ts';
import type { RecordedExchange } from '../verdicts/result.ts';
import { ENCODED_PLACEHOLDER } from '../verdicts/redact.ts';

// The step and the quoting live with the settings file they read (src/settings).
export { loadSettingsStep, shellQuote };

/**
 * What a report says before its curl lines: where they run from and the step first. `settingsFile`
 * is the file the run read (RUNBASE_ENV_FILE, else `.env`); unknown (a merged report): each shard's.
 */
export function reproductionNote(settingsFile: string | undefined): string {
  const step = settingsFile === undefined ? `${loadSettingsStep('FILE')} with FILE the settings file the shard ran with` : loadSettingsStep(settingsFile);
  return `Each curl runs from the directory the run ran in, after one step: load the run's settings into the shell, \`${step}\` (or export the variables as the run had them).`;
}

/** `$NAME`, `$NAME[n]` (the n-th key of a comma-separated list), each optionally `#secret` (without the prefix). */
const PLACEHOLDER = /\$(RUNBASE_[A-Z0-9_]+)(?:\[(\d+)\])?(#secret)?/g;


/**
 * The shell expression for one placeholder, double-quoted. `$NAME[n]` cuts the n-th key out of the
 * list exactly as the suite splits it (commas, blanks ignored, empty entries skipped).
 */
function expansion(name: string, index: string | undefined, secretOnly: boolean): string {
  const prefix = contract.limits.keys.prefix;
  if (index === undefined) return secretOnly ? `"\${${name}#${prefix}}"` : `"\${${name}}"`;
  const nth = `printf %s "$${name}" | tr -d ' \\t\\r\\n' | tr -s , | sed 's/^,//' | cut -d, -f${index}`;
  return `"$(${nth}${secretOnly ? ` | sed 's/^${prefix}//'` : ''})"`;
}

/** Quote `text`, letting the placeholders expand: literals single-quoted, variables double-quoted. */
function shellWithVariables(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(shellQuote(text.slice(last, match.index)));
    parts.push(expansion(match[1]!, match[2], !!match[3]));
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
const UNREBUILDABLE = /\[RUNBASE_[A-Z0-9_]+(#secret)? in (base64(url)?|hex)\]/;

/** The placeholders in `text`, longest first (so `$X[2]#secret` is replaced before `$X[2]` and `$X`). */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[0]))].sort((a, b) => b.length - a.length);
}

/** A sed program that puts each placeholder's value back into a saved body. */
function sedFill(placeholders: string[]): string {
  return placeholders.map((p) => {
    const m = [...p.matchAll(PLACEHOLDER)][0]!;
    return `-e 's|${p.replace(/[$[\]]/g, (c) => `\\${c}`)}|'${expansion(m[1]!, m[2], !!m[3])}'|g'`;
  }).join(' ');
}

/** Where the body comes from: the saved file, or inline. */
function bodySource(request: RecordedExchange['request']): string {
  if (request.bodyFile !== undefined) {
    const vars = request.bodyFileVars ?? [];
    return vars.length ? `sed ${sedFill(vars)} ${shellQuote(request.bodyFile)} | ` : '';
  }
  return request.bodyEncoding === 'base64' ? `printf %s ${shellQuote(request.body!)} | base64 -d | ` : `printf %s ${shellWithPlaceholders(request.body!)} | `;
}

export function curlCommand(exchange: RecordedExchange): string {
  const { request } = exchange;
  const args = [`curl -sS -i -X ${request.method}`, shellWithPlaceholders(request.url)];
  for (const [name, value] of Object.entries(request.headers)) args.push(`-H ${shellWithPlaceholders(`${name}: ${value}`)}`);
  const lines: string[] = [];
  if (UNREBUILDABLE.test(JSON.stringify(request))) lines.push('# a key inside an encoded value was redacted and cannot be rebuilt here; the command differs from the request there');
  if (request.body === undefined) return [...lines, args.join(' ')].join('\n');
  // No Content-Type in the original: stop curl from adding its own for --data-binary.
  if (request.headers['content-type'] === undefined) args.push(`-H 'Content-Type:'`);
  const fromFile = request.bodyFile !== undefined && !request.bodyFileVars?.length;
  if (request.bodyFile !== undefined) lines.push(`# the body (${request.bodyBytes} bytes) is in ${request.bodyFile}`);
  else if (request.fullBody !== undefined || /… \[\d+ more characters\]$/.test(request.body)) lines.push(`# the body (${request.bodyBytes} bytes) was cut in the report; the command sends its first part only`);
  const body = request.body.replace(/… \[\d+ more characters\]$/, '');
  const data = fromFile ? `--data-binary @${shellQuote(request.bodyFile!)}` : '--data-binary @-';
  return [...lines, `${fromFile ? '' : bodySource({ ...request, body })}${args.join(' ')} ${data}`].join('\n');
}
