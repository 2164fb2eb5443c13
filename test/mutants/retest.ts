// `npm run mutation:stryker:retest [-- FILE …]`: run Stryker again on the lines of the committed
// result's survivors only (every mutant on those lines), with the suite as it is now, and write the new
// statuses into the committed result. The command runner cannot tell Stryker which tests changed, so
// after a rule or generator change its incremental mode would reuse every earlier survivor as is;
// this is how a suite change that kills survivors gets into the result without an hour-long full run.
// Mutants are matched by file, position, mutator and replacement; nothing else in the result changes.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedResultFile } from './triage.ts';

interface Position { line: number; column: number }
interface Mutant { id: string; mutatorName: string; replacement?: string; status: string; statusReason?: string; killedBy?: string[]; testsCompleted?: number; location: { start: Position; end: Position } }
interface Result { files: Record<string, { mutants: Mutant[] }> }

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const identity = (file: string, m: Mutant) => `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column}:${m.mutatorName}:${m.replacement ?? ''}`;

/** The conformance run's verdict line: what a status reason needs to say (the whole output is kilobytes). */
export function shortReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const verdict = reason.split('\n').find((l) => /^(✅|❌|⛔|⚠)/u.test(l.trim()) || /^exit \d/.test(l.trim()));
  return (verdict ?? reason.trim().split('\n')[0] ?? '').trim().slice(0, 300);
}

/** Cut every status reason of a result file to its verdict line. */
export function trimReasons(file: string): void {
  if (!existsSync(file)) return;
  const result = JSON.parse(readFileSync(file, 'utf8')) as Result;
  for (const { mutants } of Object.values(result.files)) {
    for (const m of mutants) {
      const reason = shortReason(m.statusReason);
      if (reason === undefined) delete m.statusReason; else m.statusReason = reason;
    }
  }
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** `file:first-last` for the lines of every survivor of `files` (all files when empty). */
export function survivorRanges(result: Result, files: readonly string[]): string[] {
  const ranges = Object.entries(result.files).filter(([file]) => files.length === 0 || files.includes(file))
    .flatMap(([file, { mutants }]) => mutants.filter((m) => UNDETECTED.has(m.status)).map((m) => `${file}:${m.location.start.line}-${m.location.end.line}`));
  return [...new Set(ranges)];
}

/** Write the retested statuses into `into` (same file, position, mutator and replacement); returns how many changed. */
export function mergeStatuses(into: Result, retested: Result): { merged: number; changed: number } {
  const fresh = new Map<string, Mutant>();
  for (const [file, { mutants }] of Object.entries(retested.files)) for (const m of mutants) fresh.set(identity(file, m), m);
  let merged = 0;
  let changed = 0;
  for (const [file, { mutants }] of Object.entries(into.files)) {
    for (const m of mutants) {
      const f = fresh.get(identity(file, m));
      if (!f) continue;
      merged++;
      if (f.status !== m.status) changed++;
      m.status = f.status;
      const reason = shortReason(f.statusReason);
      if (reason === undefined) delete m.statusReason; else m.statusReason = reason;
      m.killedBy = f.killedBy ?? [];
      if (f.testsCompleted !== undefined) m.testsCompleted = f.testsCompleted;
    }
  }
  return { merged, changed };
}

function main(): number {
  if (!existsSync(committedResultFile)) {
    console.error('no committed Stryker result: run npm run mutation:stryker first');
    return 2;
  }
  const result = JSON.parse(readFileSync(committedResultFile, 'utf8')) as Result;
  const ranges = survivorRanges(result, process.argv.slice(2));
  if (ranges.length === 0) {
    console.log('no survivors to retest');
    return 0;
  }
  const dir = join(repoRoot, 'reports', 'stryker');
  const out = join(dir, 'retest.json');
  rmSync(out, { force: true });
  mkdirSync(dir, { recursive: true });
  // The committed configuration, on the survivors' lines only, not incremental, JSON out.
  const config = JSON.parse(readFileSync(join(repoRoot, 'test', 'mutants', 'stryker.config.json'), 'utf8')) as Record<string, unknown>;
  const configFile = join(dir, 'retest.config.json');
  writeFileSync(configFile, JSON.stringify({ ...config, $schema: undefined, mutate: ranges, incremental: false, reporters: ['json', 'progress'], jsonReporter: { fileName: out } }, null, 2));
  const bin = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
  console.log(`retesting the ${ranges.length} survivor line ranges of ${committedResultFile}`);
  const run = spawnSync(process.execPath, [bin, 'run', configFile], { cwd: repoRoot, stdio: 'inherit' });
  if (run.status !== 0 || !existsSync(out)) return run.status || 2;
  const { merged, changed } = mergeStatuses(result, JSON.parse(readFileSync(out, 'utf8')) as Result);
  writeFileSync(committedResultFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`${merged} mutants retested, ${changed} changed status; written to ${committedResultFile}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
