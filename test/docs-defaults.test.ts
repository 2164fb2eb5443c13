// The defaults the configuration table states (README or a docs page, wherever it lives) are read from
// the code's one home for each (src/settings DEFAULTS), so the two cannot drift.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULTS } from '../src/settings/index.ts';
import { repoRoot } from './helpers.ts';

const pages = [join(repoRoot, 'README.md'), ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(repoRoot, 'docs', f))];

/** The default column of the configuration table's row for `name` (the row's last cell), digits joined. */
function statedDefault(name: string): string | undefined {
  for (const page of pages) {
    const row = readFileSync(page, 'utf8').split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    if (row) return row.split('|').slice(-2, -1)[0]!.trim().replace(/(\d)[ \u202f](\d)/g, '$1$2');
  }
  return undefined;
}

it.each([
  ['RUNBASE_CONCURRENCY', [DEFAULTS.concurrency]],
  ['RUNBASE_SEED', [DEFAULTS.seed]],
  ['RUNBASE_TIMEOUT_MS', [DEFAULTS.timeoutMs]],
  ['RUNBASE_MAX_RETRY_AFTER_S', [DEFAULTS.maxRetryAfterSeconds]],
  ['RUNBASE_RUNS', [DEFAULTS.runs.embedded, DEFAULTS.runs.remote]],
  ['RUNBASE_MAX_REQUESTS', [DEFAULTS.maxRequests.embedded, DEFAULTS.maxRequests.remote]],
  ['RUNBASE_REPORT_DIR', [DEFAULTS.reportDir]],
] as const)('the configuration table states the default of %s as the code has it', (name, values) => {
  const stated = statedDefault(name);
  expect(stated, `no configuration table row for ${name}`).toBeDefined();
  expect(stated!.match(/\d+|[a-z]+/g)?.filter((w) => values.some((v) => String(v) === w))).toEqual(values.map(String));
});
