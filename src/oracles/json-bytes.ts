// Answers judged as bytes too: what JSON.parse hides. A parser keeps the last of duplicate keys
// (others keep the first), and decodes invalid UTF-8 to U+FFFD without a word.
import type { Exchange } from '../contract/exchange.ts';
import { violation, type Check } from './types.ts';

/**
 * The keys that appear twice in one object of a JSON text, as paths (`error.code`, `items[0].id`).
 * A small scanner over the text as it came: strings, nesting and keys; values are skipped.
 * Undefined for text that is not JSON.
 */
export function duplicateKeys(text: string): string[] | undefined {
  const found = new Set<string>();
  let i = 0;
  const ws = () => { while (i < text.length && /[ \t\n\r]/.test(text[i]!)) i++; };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw new SyntaxError('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new SyntaxError('key expected');
        const key = string();
        const at = path ? `${path}.${key}` : key;
        if (keys.has(key)) found.add(at);
        keys.add(key);
        ws();
        if (text[i++] !== ':') throw new SyntaxError(': expected');
        value(at);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] === '}') return;
        throw new SyntaxError(', or } expected');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] === ']') return;
        throw new SyntaxError(', or ] expected');
      }
    }
    if (c === '"') { string(); return; }
    const literal = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) throw new SyntaxError('value expected');
    i += literal[0].length;
  };
  try {
    value('');
    ws();
    return i === text.length ? [...found] : undefined;
  } catch {
    return undefined;
  }
}

/** ENV-DUPLICATE-KEYS: a JSON answer names each key once per object; the report names those it repeats. */
export const noDuplicateKeys: Check = (exchange: Exchange) => {
  if (exchange.response.json === undefined) return [];
  const dupes = duplicateKeys(exchange.response.bodyText) ?? [];
  return dupes.length === 0 ? [] : violation('noDuplicateKeys', `the JSON answer repeats ${dupes.length === 1 ? 'a key' : 'keys'}: ${dupes.join(', ')} (readers disagree on which value wins)`, 'each key once per object', dupes.join(', '));
};
