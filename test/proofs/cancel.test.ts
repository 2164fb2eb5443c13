// Cancelling a run, as CI runners do: SIGINT or SIGTERM to npm, to the node process that runs the
// suite, or to the whole process group, while requests are flowing through a counting proxy in front
// of the faithful emulator. Every process of the run must be gone (a bounded wait that fails the test
// when exceeded), no request may reach the proxy after that, the exit is 130/143 and the reports say
// "interrupted", never an older run's "conforms". Also: one run per report directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countedEmulator, type HostileTarget, type ProxyCounts } from '../../src/selftest/hostile.ts';
import { PREFLIGHT_MAX_REQUESTS } from '../../src/runner/preflight.ts';
import { LOCK_FILE } from '../../src/runner/run-lock.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { cleanEnv, repoRoot, runConformance } from '../helpers.ts';

/** Requests seen at the proxy before the signal: the rules are well under way by then. */
const SIGNAL_AFTER = PREFLIGHT_MAX_REQUESTS + 150;
/** Bounded waits: each fails the test when exceeded (never a verdict on speed below it). */
const REQUESTS_BOUND_MS = 120_000;
const GONE_BOUND_MS = 10_000;

const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const close of closers) await close(); });

/** Processes in process group `pgid`, from /proc ("pid (command) state ppid pgrp …"). */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

/** Resolves once `pgid` has no process left; rejects past `boundMs`. */
async function groupGone(pgid: number, boundMs: number): Promise<void> {
  const until = Date.now() + boundMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > until) throw new Error(`processes of the run still alive ${boundMs} ms after the signal: ${groupMembers(pgid).map((p) => spawnSync('ps', ['-o', 'args=', '-p', String(p)], { encoding: 'utf8' }).stdout.trim()).join('; ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

type Whom = 'npm' | 'node' | 'group';
const EXIT_FOR = { SIGINT: 130, SIGTERM: 143 } as const;

describe('a cancelled run stops all traffic, leaves no process and says "interrupted"', () => {
  for (const whom of ['npm', 'node', 'group'] as Whom[]) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${signal} to ${whom === 'group' ? 'the process group' : whom === 'node' ? 'the node process' : 'npm'} → exit ${EXIT_FOR[signal]}`, async () => {
        let reached: () => void = () => {};
        const underWay = new Promise<void>((resolve) => { reached = resolve; });
        const counts: ProxyCounts = { seen: 0, cheated: 0, onRequest: (n) => { if (n >= SIGNAL_AFTER) reached(); } };
        const target: HostileTarget = await countedEmulator(counts)();
        closers.push(() => target.close());
        const dir = mkdtempSync(join(tmpdir(), 'runbase-cancel-'));
        // An older run's reports: they must not stand as this run's.
        mkdirSync(join(dir, 'reports'));
        writeFileSync(join(dir, 'reports', 'conformance.json'), JSON.stringify({ runId: 'older', outcome: 'conforms', exitCode: 0 }));
        writeFileSync(join(dir, 'reports', 'conformance.md'), '**✅ conforms: an older run**\n');
        let out = '';
        const npm = spawn('npm', ['test', '--silent'], {
          cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
          env: cleanEnv({ ...target.env, RUNBASE_RUNS: '50', RUNBASE_REPORT_DIR: join(dir, 'reports') }),
        });
        npm.stdout!.on('data', (d) => { out += d; });
        npm.stderr!.on('data', (d) => { out += d; });
        const pgid = npm.pid!;
        const bound = setTimeout(() => reached(), REQUESTS_BOUND_MS);
        await Promise.race([underWay, exited(npm)]);
        clearTimeout(bound);
        expect(counts.seen, `the run never got under way:\n${out}`).toBeGreaterThanOrEqual(SIGNAL_AFTER);
        expect(npm.exitCode, out).toBeNull();

        const lock = JSON.parse(readFileSync(join(dir, 'reports', LOCK_FILE), 'utf8')) as { pid: number };
        const pid = whom === 'npm' ? pgid : whom === 'node' ? lock.pid : -pgid;
        process.kill(pid, signal);
        const [end] = await Promise.all([exited(npm), groupGone(pgid, GONE_BOUND_MS)]);
        const afterGone = counts.seen;

        // Nothing of the run is left to send anything: the count is final.
        expect(groupMembers(pgid)).toEqual([]);
        expect(end.code === EXIT_FOR[signal] || end.signal === signal, `npm ended ${end.code ?? end.signal}:\n${out}`).toBe(true);
        const report = JSON.parse(readFileSync(join(dir, 'reports', 'conformance.json'), 'utf8')) as ConformanceReport;
        expect(report.outcome).toBe('interrupted');
        expect(report.interrupted?.signal).toBe(signal);
        expect(report.exitCode).toBe(EXIT_FOR[signal]);
        expect(report.runId).not.toBe('older');
        const md = readFileSync(join(dir, 'reports', 'conformance.md'), 'utf8');
        expect(md).toContain(`interrupted (${signal})`);
        expect(md).not.toMatch(/✅ conforms/);
        expect(readFileSync(join(dir, 'reports', 'junit.xml'), 'utf8')).toContain(`interrupted by ${signal}`);
        expect(out).toContain(`exit ${EXIT_FOR[signal]}: interrupted by ${signal}`);
        expect(existsSync(join(dir, 'reports', LOCK_FILE))).toBe(false);
        // Whatever was judged before the signal is kept; what was not says why.
        expect(report.errors.join('\n')).toContain(`interrupted by ${signal}`);
        for (const r of report.rules.filter((r) => r.verdict === 'skipped')) expect(r.skipReason).toMatch(/interrupted|judged no case/);
        await target.close();
        expect(counts.seen).toBe(afterGone);
      }, 180_000);
    }
  }
});

describe('one run per report directory', () => {
  it('a second run on a directory in use exits 2 naming the run that holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase-lock-'));
    // This test's own process stands for a run in progress.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ runId: 'held', pid: process.pid, host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    writeFileSync(join(dir, 'conformance.json'), '{"runId":"held"}');
    const run = await runConformance({ RUNBASE_REPORT_DIR: dir, RUNBASE_SUITES: 'auth', RUNBASE_RUNS: '1' });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain(`is in use by another run (pid ${process.pid}`);
    // The run in progress keeps its directory as it was.
    expect(readFileSync(join(dir, 'conformance.json'), 'utf8')).toBe('{"runId":"held"}');
  });

  it('a lock left by a run that no longer exists is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbase-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ runId: 'dead', pid: Number(gone.stdout), host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    const run = await runConformance({ RUNBASE_REPORT_DIR: dir, RUNBASE_SUITES: 'auth', RUNBASE_RUNS: '1' });
    expect(run.code, run.output).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
