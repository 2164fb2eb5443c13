// `node --import tsx test/mutants/json-text-equivalence.ts`: proves the "equivalent" triage of the JSON
// reader's survivors (src/emulator/json-text.ts). The emulator runs JSON.parse on every text the reader
// accepts (pipeline.ts, parseJson), so a mutant that only ever accepts more gives the same answers; one
// that rejects a valid JSON text, or throws, does not. Each survivor triaged "equivalent" is applied to
// the source and run over a seeded corpus: JSON in every legal form (the suite's own catalogue, re-encoded
// values, fast-check's JSON) and near misses of it. Prints one JSON line per mutant; exit 1 if any broke.
// Runs in its own process: a mutant that loops forever stops the child, not the test that called it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { reEncodedJson, validJsonFormsCatalogue } from '../../src/generators/catalogues.ts';
import { readTriage, type TriageEntry } from './triage.ts';

const FILE = 'src/emulator/json-text.ts';
const repoRoot = new URL('../..', import.meta.url);

/** The source with the mutant's span (Stryker: lines and columns from 1) replaced. */
export function applyMutant(source: string, e: Pick<TriageEntry, 'line' | 'column' | 'endLine' | 'endColumn' | 'replacement'>): string {
  const lines = source.split('\n');
  const offset = (line: number, column: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  return source.slice(0, offset(e.line, e.column)) + e.replacement + source.slice(offset(e.endLine, e.endColumn));
}

const parses = (s: string) => { try { JSON.parse(s); return true; } catch { return false; } };

function corpus(): string[] {
  const texts = validJsonFormsCatalogue('a/b').map((b) => b.body as string);
  texts.push(...fc.sample(fc.jsonValue({ maxDepth: 5 }).chain(reEncodedJson), { seed: 7, numRuns: 2000 }));
  const plain = fc.sample(fc.jsonValue({ maxDepth: 6 }), { seed: 8, numRuns: 1000 }).flatMap((v) => [JSON.stringify(v), JSON.stringify(v, null, 2)]);
  texts.push(...plain);
  // Near misses: each JSON text with one character dropped, so accept-more mutants meet what they accept.
  texts.push(...plain.slice(0, 300).flatMap((s) => Array.from({ length: Math.min(s.length, 20) }, (_, i) => s.slice(0, i) + s.slice(i + 1))));
  texts.push('0', '-0', '1E+5', '-1.5e-3', '"\\u00E9"', '"\\uD83D\\uDE00"', '[]', '{}', ' [ 1 , { "a" : null } ] ', 'true', 'false', 'null', '"a\\/b"', '""');
  return texts;
}

export interface MutantCheck { line: number; column: number; mutator: string; replacement: string; problem?: string }

/** Each mutant over the corpus: where it rejects valid JSON or throws, the problem. */
export async function checkMutants(entries: readonly TriageEntry[], onEach: (c: MutantCheck) => void = () => {}): Promise<MutantCheck[]> {
  const source = readFileSync(new URL(FILE, repoRoot), 'utf8');
  const texts = corpus();
  // Inside the repository, so tsx resolves and compiles it as it does the source.
  const dir = mkdtempSync(join(new URL('test/mutants/', repoRoot).pathname, '.json-text-'));
  const checks: MutantCheck[] = [];
  try {
    for (const [n, e] of entries.entries()) {
      const file = join(dir, `m${n}.ts`);
      writeFileSync(file, applyMutant(source, e));
      const { isJsonText } = (await import(pathToFileURL(file).href)) as { isJsonText: (s: string) => boolean };
      let problem: string | undefined;
      for (const s of texts) {
        let accepted: boolean;
        try { accepted = isJsonText(s); } catch (error) { problem = `throws ${String(error)} on ${JSON.stringify(s).slice(0, 80)}`; break; }
        if (!accepted && parses(s)) { problem = `rejects valid JSON ${JSON.stringify(s).slice(0, 80)}`; break; }
      }
      const check = { line: e.line, column: e.column, mutator: e.mutator, replacement: e.replacement, ...(problem ? { problem } : {}) };
      checks.push(check);
      onEach(check);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}

async function main(): Promise<number> {
  const checks = await checkMutants(readTriage().filter((e) => e.file === FILE && e.kind === 'equivalent'), (c) => console.log(JSON.stringify(c)));
  return checks.some((c) => c.problem) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
