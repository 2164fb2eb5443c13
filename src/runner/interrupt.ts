// Cancelling a run. CI runners send SIGINT or SIGTERM to npm, to the node process, or to the whole
// process group; whichever reaches this process ends every process the run started (the vitest
// worker, Pact's verifier) at once, so no request leaves after it, and the run exits 128 + the
// signal's number (130, 143) with reports that say it was interrupted.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/** The exit code of a run ended by `signal`, as a shell reports it. */
export const signalExitCode = (signal: InterruptSignal): number => 128 + constants.signals[signal];

/** [pid, parent pid] of every process: from /proc, or from ps where there is none. */
function processTable(): [number, number][] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d): [number, number][] => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        // "pid (command) state ppid …": the command may hold spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [[Number(d), ppid]];
      } catch {
        return []; // ended meanwhile
      }
    });
  } catch {
    const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    return (ps.stdout ?? '').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number) as [number, number]).filter(([p]) => Number.isInteger(p));
  }
}

/** Every process descended from `root`, parents before their children. */
export function descendants(root: number): number[] {
  const table = processTable();
  const out: number[] = [];
  for (let i = -1, parent = root; ; parent = out[++i]!) {
    for (const [pid, ppid] of table) if (ppid === parent && !out.includes(pid)) out.push(pid);
    if (i + 1 >= out.length) return out;
  }
}

/** End every process this one started (and theirs), at once: nothing they send can be judged any more. */
export function killDescendants(root = process.pid): number[] {
  const pids = descendants(root);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  return pids;
}

/**
 * Call `handler` once on the first SIGINT or SIGTERM (a process group gets each signal once per
 * process, and tsx relays it again); returns the function that stops listening.
 */
export function onInterrupt(handler: (signal: InterruptSignal) => void): () => void {
  let fired = false;
  const listener = (signal: InterruptSignal) => {
    if (fired) return;
    fired = true;
    handler(signal);
  };
  for (const s of SIGNALS) process.on(s, listener);
  return () => { for (const s of SIGNALS) process.off(s, listener); };
}
