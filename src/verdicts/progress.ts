// The progress snapshot: the conformance worker writes it (src/conformance/progress-feed.ts), the
// reporter in the main process reads it (src/report/progress.ts). Its type lives here, below both, so
// the reporter reads the file without importing the harness that writes it.

export interface ProgressSnapshot {
  /** Requests sent so far by the rules. */
  requests: number;
  maxRequests: number;
  /** Requests per second the scheduler admits over the whole pool (K keys × the documented limit). */
  poolRatePerSecond: number;
  /** Cases per property (RUNBASE_RUNS): about the requests of a typical rule, before any has run. */
  casesPerProperty?: number;
  clock: 'real' | 'virtual';
}
