// How long a run took against what the documented rate limit alone forces (its floor), and what the
// same run would take with other key counts, computed from what each key was admitted. A real-clock
// run only: against a virtual clock the limit costs no wall time.
//
// Floor with K pool keys: the requests the pool's keys had admitted at 20 per 10 s spread over the K
// keys, or the busiest other key's (a fixture, account B) at that rate alone, whichever is longer.
// With one key, the key time the rate-limit rules' leases held idle beyond the budget of what they
// admitted (each must find its key untouched for a window, and some wait windows out) is added:
// no other key can cover it. With more keys, other work can run meanwhile.
import { contract } from '../contract/index.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { maxLongLeases } from '../http/scheduler/leases.ts';

export interface PacingProjection { keys: number; floorMs: number; estimateMs: number }

export interface PacingSummary {
  /** Pool keys the run had. */
  keys: number;
  runMs: number;
  admittedOnPool: number;
  admittedOnBusiestOtherKey: number;
  /** Key time the rate-limit rules' leases held idle beyond what they admitted, and as windows. */
  leaseIdleMs: number;
  /** Key time those leases held in all (their one-after-another part bounds a run with few keys). */
  leaseMs: number;
  idleWindows: number;
  floorMs: number;
  /** runMs ÷ floorMs. */
  ratio: number;
  /**
   * The same run with 1, 2, 4 and 8 pool keys: its floor, and an estimate: the floor times this run's
   * ratio, or, when longer, the leases' key time spread over the keys they may hold at once.
   */
  projections: PacingProjection[];
}

const { requests: perWindow, windowSeconds } = contract.limits.rateLimit;
const windowMs = windowSeconds * 1000;
/** Pool keys are labelled key#N; fixture keys fixture:…; other labels stand for more than one key. */
const isPoolLabel = (label: string) => /^key#\d+$/.test(label);
const isOneOtherKey = (label: string) => label.startsWith('fixture:');

/** The time `admitted` requests take on `keys` keys at the documented rate. */
export function budgetMs(admitted: number, keys: number): number {
  return Math.round((admitted / (keys * perWindow)) * windowMs);
}

export function floorMs(p: Pick<PacingSummary, 'admittedOnPool' | 'admittedOnBusiestOtherKey' | 'leaseIdleMs'>, keys: number): number {
  return Math.max(budgetMs(p.admittedOnPool, keys) + (keys === 1 ? p.leaseIdleMs : 0), budgetMs(p.admittedOnBusiestOtherKey, 1));
}

export const PROJECTED_KEYS = [1, 2, 4, 8] as const;

export function pacingSummary(rules: readonly RuleResult[], poolKeys: number, runMs: number): PacingSummary | undefined {
  if (poolKeys < 1) return undefined;
  const perLabel = new Map<string, number>();
  for (const r of rules) for (const [label, n] of Object.entries(r.admitted ?? {})) perLabel.set(label, (perLabel.get(label) ?? 0) + n);
  const admittedOnPool = [...perLabel].filter(([l]) => isPoolLabel(l)).reduce((n, [, c]) => n + c, 0);
  const admittedOnBusiestOtherKey = Math.max(0, ...[...perLabel].filter(([l]) => isOneOtherKey(l)).map(([, c]) => c));
  const leaseIdleMs = rules.reduce((n, r) => n + (r.leaseIdleMs ?? 0), 0);
  const leaseMs = rules.reduce((n, r) => n + (r.leaseMs ?? 0), 0);
  const base = { admittedOnPool, admittedOnBusiestOtherKey, leaseIdleMs };
  const floor = floorMs(base, poolKeys);
  if (floor === 0) return undefined;
  const ratio = runMs / floor;
  return {
    keys: poolKeys, runMs, ...base, leaseMs, idleWindows: Math.round((leaseIdleMs / windowMs) * 10) / 10, floorMs: floor, ratio: Math.round(ratio * 100) / 100,
    projections: PROJECTED_KEYS.map((keys) => {
      const f = floorMs(base, keys);
      // With one key the leases already lie inside the run's own ratio.
      const leases = keys === 1 || keys === poolKeys ? 0 : leaseMs / maxLongLeases(keys);
      return { keys, floorMs: f, estimateMs: Math.round(Math.max(f * ratio, leases)) };
    }),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line for the console summary. */
export function pacingLine(p: PacingSummary): string {
  return `pace: ${seconds(p.runMs)} against a floor of ${seconds(p.floorMs)} (${p.ratio.toFixed(2)}×) at ${p.keys} key${p.keys === 1 ? '' : 's'}; `
    + `the same run with ${p.projections.map((x) => `${x.keys} key${x.keys === 1 ? '' : 's'} ≈ ${seconds(x.estimateMs)}`).join(', ')}`;
}

/** The Markdown section. */
export function pacingMarkdown(p: PacingSummary): string[] {
  return [
    '## Pace', '',
    `Run time ${seconds(p.runMs)}; floor ${seconds(p.floorMs)} (what the documented ${perWindow} requests per ${windowSeconds} s alone force: ${p.admittedOnPool} requests admitted on ${p.keys} pool key${p.keys === 1 ? '' : 's'}, ${p.admittedOnBusiestOtherKey} on the busiest other key${p.keys === 1 ? `, plus ${seconds(p.leaseIdleMs)} (${p.idleWindows} windows) the rate-limit rules kept the key idle` : ''}); ratio ${p.ratio.toFixed(2)}×.`,
    '',
    '| pool keys | floor | estimated run time |', '|---|---|---|',
    ...p.projections.map((x) => `| ${x.keys} | ${seconds(x.floorMs)} | ${seconds(x.estimateMs)} |`),
    '', 'The estimate is the floor times this run\'s ratio, or, when longer, the key time the rate-limit rules\' leases held, spread over the keys they may hold at once (all but one).',
  ];
}
