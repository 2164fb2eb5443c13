// isJsonText must agree with JSON.parse on every text: above all, never call valid JSON invalid.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isJsonText } from './json-text.ts';
import { reEncodedJson, validJsonFormsCatalogue } from '../generators/catalogues.ts';

const parses = (s: string) => { try { JSON.parse(s); return true; } catch { return false; } };

// JSON texts, then small edits of them (a character dropped, inserted or swapped): the near misses.
const jsonText = fc.jsonValue({ maxDepth: 6 }).chain((v) => fc.constantFrom(JSON.stringify(v), JSON.stringify(v, null, 2), ` \t\n${JSON.stringify(v)}\r\n`));
const edited = fc.tuple(jsonText, fc.nat(), fc.constantFrom(...'{}[]",:-+.eE0123456789 \\/tfnu\u0000\u001fx'.split(''))).map(([s, at, ch]) => {
  const i = s.length === 0 ? 0 : at % s.length;
  return [s.slice(0, i) + s.slice(i + 1), s.slice(0, i) + ch + s.slice(i), s.slice(0, i) + ch + s.slice(i + 1)];
});

describe('isJsonText', () => {
  it('accepts every JSON text', () => {
    fc.assert(fc.property(jsonText, (s) => isJsonText(s)), { seed: 42, numRuns: 3000 });
  });

  it('accepts JSON in every legal form: any whitespace of the four, \\u escapes in either case, the catalogue', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }).chain(reEncodedJson), (s) => isJsonText(s) && parses(s)), { seed: 42, numRuns: 2000 });
    for (const { name, body } of validJsonFormsCatalogue('a/b')) expect(isJsonText(body as string), name).toBe(true);
    for (const s of ['{\t"a"\t:\t1\t}', '[\r\n1\r\n]', '"\\u00E9"', '"\\u00e9"', '"\\uABCD"', '"\\uD83D\\uDE00"', '1E3', '-2.5e-3']) expect(isJsonText(s), s).toBe(true);
  });

  it('agrees with JSON.parse on near misses and on arbitrary text', () => {
    fc.assert(fc.property(edited, (texts) => texts.every((s) => isJsonText(s) === parses(s))), { seed: 42, numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => isJsonText(s) === parses(s)), { seed: 42, numRuns: 3000 });
  });

  it('handles the edge cases', () => {
    for (const s of ['0', '-0', '1e5', '1E+5', '-1.5e-3', '"\\u00e9"', '[]', '{}', ' [ 1 , { "a" : null } ] ', 'true', '"a\\/b"', '""']) expect(isJsonText(s), s).toBe(true);
    for (const s of ['', ' ', '01', '1.', '.5', '+1', '1e', '[1,]', '{"a":1,}', '{"a"}', '{1:2}', "'a'", '"\\x"', '"\\u12"', '"a', 'tru', 'nul', '[1 2]', '{"model": ', 'NaN', '"\u0001"', '1 2', '[', ']']) expect(isJsonText(s), s).toBe(parses(s));
  });
});
