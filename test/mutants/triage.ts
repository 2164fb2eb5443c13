// Stryker's result (mutation-testing-report-schema JSON: the incremental file committed beside this
// one, or reports/stryker/mutation.json) against the triage of its survivors in survivors.json.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const mutantsDir = fileURLToPath(new URL('.', import.meta.url));
export const committedResultFile = join(mutantsDir, 'stryker-incremental.json');
export const survivorsFile = join(mutantsDir, 'survivors.json');

export const KINDS = ['equivalent', 'undocumented', 'unreachable'] as const;
export type SurvivorKind = (typeof KINDS)[number];

/**
 * One triaged survivor: `file`, its span (`line`/`column` where it starts, `endLine`/`endColumn` where it
 * ends: two mutants of one line, or of one start, are told apart), `mutator` (Stryker's mutatorName) and
 * `replacement` identify the mutant.
 */
export interface TriageEntry { file: string; line: number; column: number; endLine: number; endColumn: number; mutator: string; replacement: string; kind: SurvivorKind; reason: string }

interface Position { line: number; column: number }
export interface StrykerMutant { id: string; mutatorName: string; replacement?: string; status: string; location: { start: Position; end: Position } }
export interface StrykerResult { files: Record<string, { mutants: StrykerMutant[] }> }

/** A mutant no test noticed. */
export interface Survivor { file: string; line: number; column: number; endLine: number; endColumn: number; mutator: string; replacement: string; status: string }

const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const DETECTED = new Set(['Killed', 'Timeout']);

export function readResult(file: string): StrykerResult | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StrykerResult) : undefined;
}

export function readTriage(file = survivorsFile): TriageEntry[] {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TriageEntry[]) : [];
}

export function survivorsOf(result: StrykerResult): Survivor[] {
  return Object.entries(result.files).flatMap(([file, { mutants }]) => mutants.filter((m) => UNDETECTED.has(m.status))
    .map((m) => ({ file, line: m.location.start.line, column: m.location.start.column, endLine: m.location.end.line, endColumn: m.location.end.column, mutator: m.mutatorName, replacement: m.replacement ?? '', status: m.status })));
}

/** The one mutant an entry names: same file, span, mutator and replacement. */
export const sameMutant = (s: Omit<Survivor, 'status'>, e: TriageEntry): boolean =>
  s.file === e.file && s.line === e.line && s.column === e.column && s.endLine === e.endLine && s.endColumn === e.endColumn && s.mutator === e.mutator && s.replacement === e.replacement;
const same = sameMutant;

/** Survivors without an entry, and entries that match no survivor (stale: the mutant is killed or gone). */
export function matchTriage(survivors: readonly Survivor[], entries: readonly TriageEntry[]): { untriaged: Survivor[]; stale: TriageEntry[] } {
  return {
    untriaged: survivors.filter((s) => !entries.some((e) => same(s, e))),
    stale: entries.filter((e) => !survivors.some((s) => same(s, e))),
  };
}

/** Problems with the entries themselves: unknown kind, no reason, no place. */
export function invalidEntries(entries: readonly TriageEntry[]): string[] {
  return entries.flatMap((e, i) => {
    const problems: string[] = [];
    if (typeof e.file !== 'string' || !e.file) problems.push('file');
    for (const f of ['line', 'column', 'endLine', 'endColumn'] as const) if (!Number.isInteger(e[f]) || e[f] < 1) problems.push(f);
    if (typeof e.mutator !== 'string' || !e.mutator) problems.push('mutator');
    if (typeof e.replacement !== 'string') problems.push('replacement');
    if (!KINDS.includes(e.kind)) problems.push(`kind (one of ${KINDS.join(', ')})`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) problems.push('reason (a sentence)');
    const twin = entries.findIndex((o, j) => j !== i && sameMutant(o, e));
    if (twin !== -1) problems.push(`key (entry ${twin + 1} names the same mutant)`);
    return problems.length ? [`entry ${i + 1} (${e.file}:${e.line}:${e.column}): bad ${problems.join(', ')}`] : [];
  });
}

export interface Score { files: Record<string, { detected: number; undetected: number; total: number }>; detected: number; undetected: number; total: number; score: number }

/** Detected (killed or timed out) over all mutants that ran. */
export function scoreOf(result: StrykerResult): Score {
  const files: Score['files'] = {};
  for (const [file, { mutants }] of Object.entries(result.files)) {
    const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
    const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
    files[file] = { detected, undetected, total: detected + undetected };
  }
  const detected = Object.values(files).reduce((n, f) => n + f.detected, 0);
  const undetected = Object.values(files).reduce((n, f) => n + f.undetected, 0);
  return { files, detected, undetected, total: detected + undetected, score: detected + undetected ? detected / (detected + undetected) : 1 };
}
