// Target bytes are data. What a target answers (status text, header values, bodies) reaches the
// console, the CI log, conformance.md (appended to the job summary), junit.xml and the HTML report;
// each has its own way to be fooled (terminal escapes, a bare CR that rewrites the line, a `::`
// workflow command, Markdown that breaks out of a code span, characters XML forbids). One small
// function per destination; each is applied where the text is written.

/** C0 controls but tab and line feed, DEL, C1 controls, and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/g;

const visible = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One value inside a line: every control character, line breaks included, made visible. */
export function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t')).replace(CONTROL, visible);
}

/**
 * Console and CI log, line by line: control characters (ESC sequences, a lone CR) made visible, and
 * a line that would start with `::` (a GitHub workflow command, after any indentation) defused.
 */
export function consoleSafe(text: string): string {
  return text.replace(CONTROL, visible).split('\n').map((line) => line.replace(/^(\s*):(?=:)/, '$1\\:')).join('\n');
}

/** The longest run of backticks in `text`. */
const longestBacktickRun = (text: string): number => Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));

/** Markdown inline code for any text: a fence longer than its longest backtick run, on one line. */
export function mdCode(text: string | undefined): string {
  const flat = oneLine(text);
  const fence = '`'.repeat(longestBacktickRun(flat) + 1);
  // A code span that starts or ends with a backtick (or a space) needs a space inside its fence.
  const pad = /^[`\s]|[`\s]$/.test(flat) || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced Markdown block for any text: the fence longer than every backtick run inside. */
export function mdFence(text: string, info = '', indent = ''): string[] {
  const safe = text.replace(CONTROL, visible);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(safe) + 1));
  return [`${indent}${fence}${info}`, ...safe.split('\n').map((l) => `${indent}${l}`), `${indent}${fence}`];
}

/**
 * Plain Markdown text (a message, a note, a table cell) that may carry target bytes: on one line,
 * every ASCII punctuation character backslash-escaped (CommonMark renders `\x` as x), so it makes
 * no heading, link, image, emphasis, HTML or table column.
 */
export function mdText(text: string | undefined): string {
  return oneLine(text).replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** XML 1.0 text or attribute value: markup escaped; characters XML forbids (and other controls) made visible. */
export function xmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // Forbidden by XML 1.0, or (a bare CR, DEL, C1) allowed but acting on whoever prints the file.
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** HTML text or attribute value; control characters made visible (a browser would drop or mangle them). */
export function htmlText(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, visible);
}
