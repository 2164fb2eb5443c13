// The worker's half of the progress line: the session lives in the conformance worker, the reporter
// in the main process, so the worker writes a small JSON snapshot to a file the reporter reads
// (the file the reporter chose, handed to the worker by the run). Written at most every FEED_MS, atomically.
import { renameSync, writeFileSync } from 'node:fs';
import { contract } from '../contract/index.ts';
import type { ProgressSnapshot } from '../verdicts/progress.ts';
import type { Session } from './session.ts';

const FEED_MS = 500;

export function snapshotOf(session: Session): ProgressSnapshot {
  const { requests, windowSeconds } = contract.limits.rateLimit;
  return {
    requests: session.requestCount(),
    maxRequests: session.config.maxRequests,
    poolRatePerSecond: (session.config.keys.pool.length * requests) / windowSeconds,
    casesPerProperty: session.config.runs,
    clock: session.config.clock,
  };
}

/** Start feeding `file`; returns the stop function (which writes a last snapshot). */
export function startProgressFeed(session: Session, file: string): () => void {
  const write = () => {
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(snapshotOf(session)));
      renameSync(`${file}.tmp`, file);
    } catch {
      // Progress is a courtesy: a full disk or a removed temp dir must not touch a verdict.
    }
  };
  write();
  const timer = setInterval(write, FEED_MS);
  timer.unref();
  return () => { clearInterval(timer); write(); };
}
