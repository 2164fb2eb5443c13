// How many rules run at the same time. Every request still goes through the one scheduler, which
// keeps each key within its documented budget, so this bounds only the work in flight.
export const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 64;

export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

/** RUNBASE_CONCURRENCY: an integer from 1 (rules one after another) to 64. */
export function ruleConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.RUNBASE_CONCURRENCY?.trim();
  if (!text) return DEFAULT_CONCURRENCY;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new ConcurrencyError(`RUNBASE_CONCURRENCY must be an integer from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Rules that must have the target to themselves: they read state that other rules' requests change
 * (the account balance that every create draws on), or judge a run's lifecycle by polling it at the
 * documented interval on key#1, which other rules' requests on that key would delay past the moment
 * a deviant target shows. They run after the others, one after another.
 */
export const RUN_ALONE: ReadonlySet<string> = new Set(['RUN-READ', 'RUN-SUCCEEDED', 'RUN-CHARGE-REFUND']);

/**
 * While the entry file loads the suites of the concurrent phase, RUN_ALONE rules are held back here
 * and registered afterwards in a phase of their own, so waiting for the target to be theirs never
 * stalls the rules around them.
 */
export const runAlonePhase = {
  deferring: false,
  held: [] as (() => void)[],
  /** True when `register` was held back for the run-alone phase. */
  defer(ruleId: string, register: () => void): boolean {
    if (!runAlonePhase.deferring || !RUN_ALONE.has(ruleId)) return false;
    runAlonePhase.held.push(register);
    return true;
  },
  /** Register the held rules (in the describe block of the run-alone phase). */
  flush(): void {
    runAlonePhase.deferring = false;
    for (const register of runAlonePhase.held.splice(0)) register();
  },
};

/** A readers-writer lock: ordinary rules share it, a RUN_ALONE rule takes it alone. */
function createRunLock() {
  let sharing = 0;
  let alone = false;
  let waitingAlone = 0;
  const waiters: (() => void)[] = [];
  const wakeAll = () => { for (const wake of waiters.splice(0)) wake(); };
  const wait = () => new Promise<void>((resolve) => waiters.push(resolve));
  return async function withLock<T>(ruleId: string, work: () => Promise<T>): Promise<T> {
    if (RUN_ALONE.has(ruleId)) {
      waitingAlone++;
      while (alone || sharing > 0) await wait();
      waitingAlone--;
      alone = true;
      try {
        return await work();
      } finally {
        alone = false;
        wakeAll();
      }
    }
    // A rule waiting to run alone goes first, so it is not starved by the ones that keep starting.
    while (alone || waitingAlone > 0) await wait();
    sharing++;
    try {
      return await work();
    } finally {
      sharing--;
      wakeAll();
    }
  };
}

export const withRunLock = createRunLock();
