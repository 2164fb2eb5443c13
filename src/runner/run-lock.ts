// One run per report directory at a time: two runs writing the same reports would leave whichever
// finished last, silently. The lock file names the run holding it (pid, run id, start); a second run
// exits 2 saying so, and a lock left by a run that no longer exists (killed outright) is taken over.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = '.runbase-run.lock';

export interface RunLock { runId: string; pid: number; host: string; startedAt: string }

export interface HeldLock { lock: RunLock; release(): void }

export class LockedError extends Error {
  override readonly name = 'LockedError';
}

/** A process with this pid exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): RunLock | undefined {
  try {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as RunLock;
    return Number.isInteger(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

const justWritten = (file: string): boolean => {
  try { return Date.now() - statSync(file).mtimeMs < 5_000; } catch { return false; }
};

/** Take the report directory's lock for a new run (the directory exists: config checked it). */
export function lockReportDir(dir: string, runId: string = randomUUID()): HeldLock {
  const file = join(resolve(dir), LOCK_FILE);
  const lock: RunLock = { runId, pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(lock)}\n`, { flag: 'wx' });
      let released = false;
      return { lock, release: () => { if (!released && readLock(file)?.runId === runId) rmSync(file, { force: true }); released = true; } };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(file);
    // A lock with nothing readable in it yet is being written by a run starting right now.
    if (!holder && justWritten(file)) throw new LockedError(`RUNBASE_REPORT_DIR ${dir} is in use by a run that is starting: give this run a directory of its own`);
    // Another machine's pid says nothing here: a lock from another host is held until removed.
    if (holder && (holder.host !== lock.host || alive(holder.pid))) {
      throw new LockedError(`RUNBASE_REPORT_DIR ${dir} is in use by another run (pid ${holder.pid}${holder.host !== lock.host ? ` on ${holder.host}` : ''}, started ${holder.startedAt}): wait for it to end, or give this run a directory of its own; if no such run exists, remove ${file}`);
    }
    // Left by a run that ended without releasing it (or unreadable, half written): taken over.
    rmSync(file, { force: true });
  }
  throw new LockedError(`RUNBASE_REPORT_DIR ${dir}: could not take ${file} (other runs keep taking it)`);
}
