// The conformance project's one test file. It loads every suite (suites/<family>.test.ts) into one
// module graph, so independent rules of all families can run at the same time (bounded by
// RUNBASE_CONCURRENCY), each pacing its requests through the one shared scheduler; then the rules
// that must have the target to themselves (RUN_ALONE); then the rules that judge every exchange of
// the run, one after another, once everything else has finished.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { AGGREGATING, conformanceRank } from './sequencer.ts';
import { getSession } from '../conformance/session.ts';
import { startProgressFeed } from './progress-feed.ts';
import { runAlonePhase } from './concurrency.ts';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));

/** suites/<family>.test.ts in family order; RUNBASE_SUITES=auth,limits keeps only those families. */
export function suiteFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const only = env.RUNBASE_SUITES?.split(',').map((s) => s.trim()).filter(Boolean);
  return readdirSync(SUITES)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => !only || only.includes(familyOf(f)))
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
  const file = process.env.RUNBASE_PROGRESS_FILE;
  // The session is created on first use by a rule as before; the feed just waits for it.
  if (file) void getSession().then((session) => { stopFeed = startProgressFeed(session, file); }, () => {});
});
afterAll(() => stopFeed?.());

const files = suiteFiles();
const aggregating = files.filter((f) => AGGREGATING.includes(familyOf(f)));

// vitest collects the families' describe blocks after this factory returns, so the run-alone rules
// are held back until the next block's factory registers them.
describe.concurrent('rules', async () => {
  runAlonePhase.deferring = true;
  for (const file of files.filter((f) => !aggregating.includes(f))) await load(file);
});

// Rules that read state every other rule changes (the account balance), with the target to themselves.
describe.sequential('rules that run alone', () => {
  runAlonePhase.flush();
});

describe.sequential('rules that judge every exchange of the run', async () => {
  for (const file of aggregating) await load(file);
});
