// Fixed catalogues sent in every run, whatever RUNBASE_RUNS: one body of each class a parser gets
// wrong, so no class depends on the random draw. Random cases come on top (bodies.ts). Plain data.
import fc from 'fast-check';
import { parsesAsJson } from './bodies.ts';

export interface NamedBody { name: string; body: string | Uint8Array; contentType?: string }

const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));

/** `{"model": model, "input": {"prompt": "a<inner>b"}}` as bytes, `inner` placed raw inside the prompt. */
function withRawPrompt(model: string, inner: number[]): Uint8Array {
  return bytes(`{"model":${JSON.stringify(model)},"input":{"prompt":"a`, inner, 'b"}}');
}

/** Bodies that are not JSON text, one per class: each must get invalid_json (BR-INVALID-JSON). */
export function notJsonCatalogue(model: string): NamedBody[] {
  const list: NamedBody[] = [
    { name: 'not UTF-8: byte FF in a string', body: withRawPrompt(model, [0xff]) },
    { name: 'not UTF-8: lone continuation byte 80', body: withRawPrompt(model, [0x80]) },
    { name: 'not UTF-8: truncated sequence E2 82', body: withRawPrompt(model, [0xe2, 0x82]) },
    { name: 'overlong UTF-8: C0 AF for "/"', body: withRawPrompt(model, [0xc0, 0xaf]) },
    { name: 'overlong UTF-8: E0 80 AF', body: withRawPrompt(model, [0xe0, 0x80, 0xaf]) },
    { name: 'UTF-8 of a lone surrogate: ED A0 80', body: withRawPrompt(model, [0xed, 0xa0, 0x80]) },
    { name: 'five-byte sequence F8 88 80 80 80', body: withRawPrompt(model, [0xf8, 0x88, 0x80, 0x80, 0x80]) },
    { name: 'raw NUL inside a string', body: withRawPrompt(model, [0x00]) },
    { name: 'raw TAB inside a string', body: withRawPrompt(model, [0x09]) },
    { name: 'raw line feed inside a string', body: withRawPrompt(model, [0x0a]) },
    { name: 'NUL after the object', body: bytes(`{"model":${JSON.stringify(model)},"input":{"prompt":"x"}}`, [0x00]) },
    { name: 'not UTF-8 outside any string', body: bytes('{"model":', [0xff], '}') },
    { name: 'invalid escape \\x41', body: `{"model":${JSON.stringify(model)},"input":{"prompt":"\\x41"}}` },
    { name: 'short \\u escape', body: `{"model":${JSON.stringify(model)},"input":{"prompt":"\\u00e"}}` },
    { name: 'unclosed nesting', body: '['.repeat(64) },
  ];
  for (const { name, body } of list) if (parsesAsJson(body)) throw new Error(`catalogue body "${name}" is JSON`);
  return list;
}

/** One object of `model` (a model no target has: nothing billable) as the plain JSON the docs show. */
const plain = (model: string) => ({ model, input: { prompt: 'a café/bar' } });

/**
 * Valid JSON text (RFC 8259) in unusual but legal forms, each with one fault only (a model no one
 * has), so the documented answer is model_not_found and never invalid_json (BR-VALID-JSON).
 */
export function validJsonFormsCatalogue(model: string): NamedBody[] {
  const m = JSON.stringify(model);
  const list: NamedBody[] = [
    { name: 'TAB as whitespace', body: `{\t"model":\t${m},\t"input":\t{"prompt":\t"a cat"}\t}` },
    { name: 'CR LF as whitespace', body: `{\r\n  "model": ${m},\r\n  "input": {\r\n    "prompt": "a cat"\r\n  }\r\n}\r\n` },
    { name: 'LF and spaces around every token', body: `\n {\n "model" \n : \n ${m} \n , \n "input" \n : \n { \n "prompt" \n : \n "a cat" \n } \n } \n` },
    { name: 'upper-case \\u escape', body: `{"model":${m},"input":{"prompt":"caf\\u00E9"}}` },
    { name: 'lower-case \\u escape', body: `{"model":${m},"input":{"prompt":"caf\\u00e9"}}` },
    { name: 'surrogate pair escape', body: `{"model":${m},"input":{"prompt":"\\uD83D\\uDE00"}}` },
    { name: 'escaped solidus \\/', body: `{"model":${m.replace(/\//g, '\\/')},"input":{"prompt":"a\\/b"}}` },
    { name: 'every short escape', body: `{"model":${m},"input":{"prompt":"\\"\\\\\\/\\b\\f\\n\\r\\t"}}` },
    { name: 'model named with \\u escapes', body: `{"model":"${[...model].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}","input":{"prompt":"a cat"}}` },
    { name: 'key order: input before model', body: `{"input":{"prompt":"a cat"},"model":${m}}` },
    { name: 'numbers with exponents and signs', body: `{"model":${m},"input":{"prompt":"a cat","n":[1e3,1E+3,-2.5e-3,0,-0,0.5]}}` },
    { name: 'every hex digit in \\u escapes, both cases', body: `{"model":${m},"input":{"prompt":"\\u0123\\u4567\\u89AB\\uCDEF\\u89ab\\ucdef"}}` },
    { name: 'every digit, the three literals, nested containers', body: `{"model":${m},"input":{"prompt":"a cat","n":[1234567890,98.76e-5,-9E9],"f":[true,false,null],"x":[[[]],[{"y":[{}]}]]}}` },
    { name: 'empty object and array inside', body: `{"model":${m},"input":{"prompt":"a cat","x":{},"y":[]}}` },
    { name: 'non-ASCII text as UTF-8', body: `{"model":${m},"input":{"prompt":"日本語 ünïcödé 😀"}}` },
    { name: 'Content-Type with charset=utf-8', body: JSON.stringify(plain(model)), contentType: 'application/json; charset=utf-8' },
    { name: 'Content-Type with charset=UTF-8, no space', body: JSON.stringify(plain(model)), contentType: 'application/json;charset=UTF-8' },
  ];
  for (const { name, body } of list) if (!parsesAsJson(body)) throw new Error(`catalogue body "${name}" is not JSON`);
  return list;
}

const WS = [' ', '\t', '\n', '\r'] as const;

/** `value` serialised as JSON with random legal whitespace between tokens and random `\u` escapes (either case). */
export function reEncodedJson(value: unknown): fc.Arbitrary<string> {
  return fc.infiniteStream(fc.nat({ max: 99 })).map((stream) => {
    const it = stream[Symbol.iterator]();
    const pick = () => it.next().value as number;
    const ws = () => (pick() < 30 ? WS[pick() % WS.length]!.repeat(1 + (pick() % 2)) : '');
    const str = (s: string) => `"${[...JSON.stringify(s).slice(1, -1)].map((c) => {
      const r = pick();
      if (r >= 20 || c === '\\' || c === '"') return c;
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${r < 10 ? hex.toUpperCase() : hex}`;
    }).join('')}"`;
    const enc = (v: unknown): string => {
      if (typeof v === 'string') return str(v);
      if (Array.isArray(v)) return `[${ws()}${v.map((x) => enc(x)).join(`${ws()},${ws()}`)}${ws()}]`;
      if (v && typeof v === 'object') return `{${ws()}${Object.entries(v).map(([k, x]) => `${str(k)}${ws()}:${ws()}${enc(x)}`).join(`${ws()},${ws()}`)}${ws()}}`;
      return JSON.stringify(v);
    };
    return `${ws()}${enc(value)}${ws()}`;
  });
}

/** Random re-encodings of the plain body, on top of the catalogue. */
export function unusualValidJson(model: string): fc.Arbitrary<string> {
  return reEncodedJson(plain(model));
}

/** Bodies built to hurt a parser, one of each class (SRV-NO-5XX); none can create a run with `model`. */
export function hostileBodyCatalogue(model: string): NamedBody[] {
  const m = JSON.stringify(model);
  const withPrompt = (p: string) => `{"model":${m},"input":{"prompt":${p}}}`;
  return [
    ...notJsonCatalogue(model).filter((b) => /UTF|NUL|BOM/.test(b.name)),
    // Read as JSON or refused by a target, as it likes: no 5xx either way.
    { name: 'UTF-8 BOM before the object', body: bytes([0xef, 0xbb, 0xbf], withPrompt('"x"')) },
    { name: 'UTF-16LE with its BOM', body: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(withPrompt('"x"'), 'utf16le')])) },
    { name: 'escaped NUL in a string', body: withPrompt('"a\\u0000b"') },
    { name: 'escaped lone high surrogate', body: withPrompt('"a\\ud800b"') },
    { name: 'escaped lone low surrogate', body: withPrompt('"a\\udfffb"') },
    { name: 'nested arrays ×100000', body: '['.repeat(100_000) + ']'.repeat(100_000) },
    { name: 'nested objects ×50000', body: '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) },
    { name: 'number 1e400', body: `{"model":${m},"input":{"prompt":"x","resolution":1e400}}` },
    { name: 'number of 400 digits', body: `{"model":${m},"input":{"prompt":"x","resolution":${'9'.repeat(400)}}}` },
    { name: 'prompt of 900000 chars', body: withPrompt(JSON.stringify('x'.repeat(900_000))) },
    { name: 'key of 100000 chars', body: `{"model":${m},"input":{"prompt":"x",${JSON.stringify('k'.repeat(100_000))}:1}}` },
    { name: '__proto__ keys', body: `{"__proto__":{"model":"x","polluted":true},"model":${m},"input":{"__proto__":{"prompt":1}}}` },
    { name: 'constructor keys', body: `{"constructor":{"prototype":{"polluted":true}},"model":${m},"input":{"prompt":"x"}}` },
    { name: 'duplicate keys', body: `{"model":"x","model":${m},"input":{"prompt":"x"}}` },
  ];
}
