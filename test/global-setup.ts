// Before `npm run test:self` (or `test:proofs`, which shares this setup) runs any test: its prerequisites (src/selftest/prerequisites.ts), and
// the clone's reports/ left alone: every test writes its reports to a temporary directory, and the
// run fails if anything in reports/ changed.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { missingPrerequisites } from '../src/selftest/prerequisites.ts';
import { repoRoot } from './helpers.ts';

const REPORTS = join(repoRoot, 'reports');

function snapshot(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

export default function setup(project: TestProject): () => void {
  // The command the user typed, named in every message: the self and proofs projects share this setup.
  const command = `test:${project.name}`;
  const missing = missingPrerequisites(repoRoot);
  if (missing.length && process.env.CI === 'true') {
    throw new Error(`${command} cannot run with CI=true; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}\n(.ci/run installs them; without CI=true their tests skip, saying so)`);
  }
  for (const m of missing) console.warn(`${command}: missing ${m}; its tests skip`);
  const before = snapshot(REPORTS);
  return () => {
    const after = snapshot(REPORTS);
    const touched = [...after].filter(([p, t]) => before.get(p) !== t).map(([p]) => p);
    if (touched.length) throw new Error(`${command} wrote into ${REPORTS}, the user's reports: ${touched.join(', ')}`);
  };
}
