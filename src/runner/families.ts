// The suite families: one file per family under suites/ (suites/<family>.test.ts). The runner's
// arguments name them (`npm test -- auth limits`), RUNBASE_SUITES lists them, and the entry file loads them.
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUITES_DIR = fileURLToPath(new URL('../../suites/', import.meta.url));

export const familyOf = (file: string): string => basename(file).replace(/\.test\.ts$/, '');

/** Every family with a suite file, by name. */
export function suiteFamilies(): string[] {
  return readdirSync(SUITES_DIR).filter((f) => f.endsWith('.test.ts')).map(familyOf).sort();
}

export class SelectionError extends Error {
  override readonly name = 'SelectionError';
}

/** RUNBASE_SUITES (or the suite arguments) as family names; a name with no suite is a configuration error. */
export function selectedFamilies(text: string | undefined): string[] | undefined {
  const names = text?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names?.length) return undefined;
  const known = suiteFamilies();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new SelectionError(`no suite named ${unknown.map((n) => `'${n}'`).join(', ')}: the suites are ${known.join(', ')}`);
  return names;
}
