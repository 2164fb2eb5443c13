// Every rule id is findable where its test is: `grep -rn "'ID'" suites` (the README's promise) finds
// each catalogue rule in exactly one suite file, PACT-… included.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract } from '../src/contract/index.ts';

const suitesDir = join(import.meta.dirname, '..', 'suites');
const suites = readdirSync(suitesDir).filter((f) => f.endsWith('.test.ts')).map((f) => ({ file: f, text: readFileSync(join(suitesDir, f), 'utf8') }));

describe('rule ids', () => {
  it('finds every catalogue rule id, quoted, in exactly one suite file', () => {
    const where = contract.rules.rules.map((r) => ({ id: r.id, files: suites.filter((s) => s.text.includes(`'${r.id}'`)).map((s) => s.file) }));
    expect(where.filter((w) => w.files.length !== 1)).toEqual([]);
  });
});
