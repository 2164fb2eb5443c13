// The reporter's progress: on a terminal one live line, rewritten in place; without one (CI) a line
// every LINE_EVERY_MS. It reads what the worker writes (src/conformance/progress-feed.ts). The ETA is the
// estimated remaining requests over the rate the scheduler admits on the pool; against a virtual
// clock time is simulated, so no ETA is shown.
import { readFileSync } from 'node:fs';
import type { ProgressSnapshot } from '../verdicts/progress.ts';
import { formatDuration } from './markdown.ts';

export type ProgressMode = 'live' | 'lines' | 'off';

export const LINE_EVERY_MS = 10_000;

/** The mode asked for (RUNBASE_PROGRESS, read by src/settings); by default live on a terminal, lines otherwise. */
export function progressMode(asked: ProgressMode | undefined, isTty: boolean): ProgressMode {
  return asked ?? (isTty ? 'live' : 'lines');
}

export function readSnapshot(file: string): ProgressSnapshot | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProgressSnapshot;
  } catch {
    return undefined;
  }
}

export interface ProgressState { done: number; total: number; elapsedMs: number; snapshot?: ProgressSnapshot }

/**
 * Remaining requests: the requests per rule so far times the rules left, never past the run's request
 * budget. The rules that finish first are the cheap ones, so their average alone swung the estimate
 * (4 to 12 minutes on a 5½-minute one-key run): it is weighed against a prior of one request per case
 * per property, counted as if a whole catalogue of rules had shown it, so the estimate moves only as the
 * run proves it wrong. Remaining time: those requests at the rate the scheduler admits on the pool (its
 * floor: K keys × the documented limit), not at a rate measured early.
 */
export function etaMs(state: ProgressState): number | undefined {
  const s = state.snapshot;
  if (!s || s.clock !== 'real' || state.done === 0 || s.poolRatePerSecond <= 0) return undefined;
  const left = state.total - state.done;
  const priorWeight = s.casesPerProperty ? state.total : 0;
  const perRule = (s.requests + (s.casesPerProperty ?? 0) * priorWeight) / (state.done + priorWeight);
  const remaining = Math.min(s.maxRequests - s.requests, perRule * left);
  return Math.max(0, Math.round((remaining / s.poolRatePerSecond) * 1000));
}

export function progressLine(state: ProgressState): string {
  const parts = [`${state.done}/${state.total} rules`];
  if (state.snapshot) parts.push(`${state.snapshot.requests} requests`);
  parts.push(`${formatDuration(Math.round(state.elapsedMs))} elapsed`);
  const eta = etaMs(state);
  if (eta !== undefined) parts.push(`ETA ~${formatDuration(eta)}`);
  return `  … ${parts.join(' · ')}`;
}
