// A user's directory for running documented commands as written: it is both a clone (the suite's
// package.json, so `npm run …` and `npm test` work) and a project with the suite installed
// (node_modules/.bin/runbase-*, so `npx runbase-…` works), without copying or installing anything:
// every entry is a link into this repository. Reports and settings files land in the directory.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers.ts';

const LINKED = ['package.json', 'package-lock.json', 'bin', 'src', 'suites', 'contracts', 'test', 'docs', 'vitest.config.ts', 'tsconfig.json', '.env.example'];

export function makeSandbox(prefix = 'runbase sandbox-'): string {
  // A space in the path, as users' paths have.
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of LINKED) symlinkSync(join(repoRoot, entry), join(dir, entry));
  const modules = join(dir, 'node_modules');
  const bins = join(modules, '.bin');
  mkdirSync(bins, { recursive: true });
  // The repository's own node_modules holds no runbase-conformance: link each entry, then the package.
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) if (entry !== '.bin') symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
  for (const entry of readdirSync(join(repoRoot, 'node_modules', '.bin'))) symlinkSync(join(repoRoot, 'node_modules', '.bin', entry), join(bins, entry));
  symlinkSync(repoRoot, join(modules, 'runbase-conformance'));
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const [name, file] of Object.entries(pkg.bin)) symlinkSync(join('..', 'runbase-conformance', file), join(bins, name));
  return dir;
}
