// The conformance project's one test file. It loads every suite (suites/<family>.test.ts) into one
// module graph, so independent rules of all families can run at the same time (bounded by
// RUNBASE_CONCURRENCY), each pacing its requests through the one shared scheduler; then the rules
// that judge every exchange of the run, one after another, once everything else has finished.
// (No rule needs the target to itself: the lifecycle rules lease a pool key, the balance rule has an
// account of its own.)
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, inject, test } from 'vitest';
import { AGGREGATING, conformanceRank } from './sequencer.ts';
import { getSession } from '../conformance/session.ts';
import { startProgressFeed } from '../conformance/progress-feed.ts';
import { familiesOf } from '../contract/rule-selection.ts';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));

/** suites/<family>.test.ts in family order; `only` (RUNBASE_SUITES=auth,limits) keeps only those families. */
export function suiteFiles(only?: readonly string[], selected?: readonly string[]): string[] {
  // A rule selection (RUNBASE_RULES) loads only the suites that hold its rules.
  const holds = selected && familiesOf(selected);
  return readdirSync(SUITES)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => !only || only.includes(familyOf(f)))
    .filter((f) => !holds || holds.includes(familyOf(f)))
    .sort((a, b) => conformanceRank(a) - conformanceRank(b) || a.localeCompare(b))
    .map((f) => join(SUITES, f));
}

const familyOf = (file: string) => basename(file).replace(/\.test\.ts$/, '');

/** Load a suite; one that cannot load is a broken suite (exit 2), and the others still run. */
async function load(file: string): Promise<void> {
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    test(`suites/${basename(file)} could not load`, () => { throw error; });
  }
}

let stopFeed: (() => void) | undefined;
beforeAll(() => {
  const file = inject('runbaseSettings')?.progressFile;
  // The session is created on first use by a rule as before; the feed just waits for it.
  if (file) void getSession().then((session) => { stopFeed = startProgressFeed(session, file); }, () => {});
});
afterAll(() => stopFeed?.());

const files = suiteFiles(inject('runbase').config.suites, inject('runbase').config.rules);
const aggregating = files.filter((f) => AGGREGATING.includes(familyOf(f)));

describe.concurrent('rules', async () => {
  for (const file of files.filter((f) => !aggregating.includes(f))) await load(file);
});

describe.sequential('rules that judge every exchange of the run', async () => {
  for (const file of aggregating) await load(file);
});
