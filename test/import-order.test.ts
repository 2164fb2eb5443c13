// The folders of src/ are layers, and imports point down only (docs/ARCHITECTURE.md, "Layers", is
// the order this test reads): a folder imports folders before it, never one after it nor one beside
// it. Test files may import anything; suites/ imports the layers a rule needs, up to src/pact but for
// src/report (which sits below the harness so that it cannot import it, not for rules to use).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..');

/** The layers, lowest first, from the fenced block under "## Layers" in docs/ARCHITECTURE.md. */
export function layersOf(architecture: string): string[][] {
  const block = /## Layers[\s\S]*?```\n([^`]+)```/.exec(architecture)?.[1];
  if (!block) throw new Error('docs/ARCHITECTURE.md has no "## Layers" block');
  return block.trim().split(/\s*→\s*/).map((layer) => layer.split('|').map((f) => f.trim()));
}

export interface Import { from: string; to: string }

/** The relative imports of a TypeScript source (static, re-exports and literal dynamic imports). */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => normalize(join(dirname(file), s)));
}

/** The src/ folder a path is in ('' when it is not under src/). */
const folderOf = (path: string): string => /^src\/([^/]+)\//.exec(path)?.[1] ?? '';

/** Imports that go up or sideways between layers, and folders the layers do not place. */
export function violations(imports: Import[], layers: string[][]): string[] {
  const rank = new Map(layers.flatMap((layer, i) => layer.map((f) => [f, i] as const)));
  const out: string[] = [];
  for (const { from, to } of imports) {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (!b || a === b) continue;
    if (!rank.has(b)) { out.push(`${from} → ${to}: src/${b} is in no layer`); continue; }
    if (!a) continue;
    if (!rank.has(a)) { out.push(`${from}: src/${a} is in no layer`); continue; }
    if (rank.get(b)! >= rank.get(a)!) out.push(`${from} → ${to}: src/${a} may not import src/${b}`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name))
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)));
}

const layers = layersOf(readFileSync(join(repoRoot, 'docs/ARCHITECTURE.md'), 'utf8'));
const importsIn = (dir: string): Import[] =>
  sourceFiles(dir).flatMap((from) => importsOf(from, readFileSync(join(repoRoot, from), 'utf8')).map((to) => ({ from, to })));

describe('imports point one way', () => {
  it('places every folder of src/ in exactly one layer', () => {
    const folders = readdirSync(join(repoRoot, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const placed = layers.flat();
    expect(new Set(placed).size, 'a folder in two layers').toBe(placed.length);
    expect([...placed].sort()).toEqual(folders.filter((f) => f !== 'types').sort());
  });

  it('has no import from a folder to one after it or beside it in src/', () => {
    const imports = importsIn('src');
    expect(imports.length).toBeGreaterThan(200);
    expect(violations(imports, layers)).toEqual([]);
  });

  it('keeps suites/ to the layers up to src/pact (no run, report, compare, self-test or CLI code)', () => {
    const top = layers.findIndex((layer) => layer.includes('pact'));
    const allowed = new Set(layers.slice(0, top + 1).flat().filter((f) => f !== 'report'));
    const bad = importsIn('suites').filter(({ to }) => folderOf(to) && !allowed.has(folderOf(to)));
    expect(bad).toEqual([]);
  });

  it('keeps src/report off the harness: it reads src/verdicts, never src/conformance, src/pact or src/runner', () => {
    expect(violations([{ from: 'src/report/model.ts', to: 'src/verdicts/result.ts' }], layers)).toEqual([]);
    for (const harness of ['src/conformance/session.ts', 'src/pact/verify.ts', 'src/runner/main.ts']) {
      expect(violations([{ from: 'src/report/reporter.ts', to: harness }], layers), harness).toHaveLength(1);
    }
    // Side by side: the harness does not write reports either.
    expect(violations([{ from: 'src/conformance/rule.ts', to: 'src/report/model.ts' }], layers)).toHaveLength(1);
  });

  it('catches an import that goes up, one beside it, and a folder no layer holds', () => {
    const order = [['contract'], ['oracles', 'emulator'], ['http']];
    expect(violations([
      { from: 'src/http/scheduler.ts', to: 'src/oracles/rate-window.ts' },
      { from: 'src/oracles/types.ts', to: 'src/contract/exchange.ts' },
    ], order)).toEqual([]);
    expect(violations([{ from: 'src/contract/openapi.ts', to: 'src/emulator/choices.ts' }], order)).toEqual(['src/contract/openapi.ts → src/emulator/choices.ts: src/contract may not import src/emulator']);
    expect(violations([{ from: 'src/oracles/x.ts', to: 'src/emulator/y.ts' }], order)).toHaveLength(1);
    expect(violations([{ from: 'src/http/x.ts', to: 'src/config/y.ts' }], order)).toEqual(['src/http/x.ts → src/config/y.ts: src/config is in no layer']);
    expect(importsOf('src/a/b.ts', "import { x } from '../c/d.ts';\nexport * from './e.ts';\nconst m = await import('../f/g.ts');\nimport './h.ts';").sort())
      .toEqual(['src/a/e.ts', 'src/a/h.ts', 'src/c/d.ts', 'src/f/g.ts']);
  });
});
