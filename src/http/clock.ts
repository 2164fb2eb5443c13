// Clocks the scheduler waits on. Against the embedded emulator the clock is the emulator's virtual
// clock: waiting means advancing it, so windows and lifecycles pass without real time passing.
import { AsyncLocalStorage } from 'node:async_hooks';
import { adminCall } from './admin.ts';

const currentWork = new AsyncLocalStorage<string>();

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Wait for something that is not time (a key another rule holds); a virtual clock may move meanwhile. */
  idle?<T>(waiting: Promise<T>): Promise<T>;
}

/**
 * The rules at work right now. A virtual clock moves only when every one of them is waiting on it
 * (discrete-event time), so rules that run at the same time never see time jump under them in the
 * middle of a burst, and the same seed gives the same verdicts as one rule after another.
 */
export const activity = {
  active: 0,
  listeners: new Set<() => void>(),
  /** The rule whose work is running here (undefined outside any rule). */
  current: (): string | undefined => currentWork.getStore(),
  async during<T>(name: string, work: () => Promise<T>): Promise<T> {
    activity.active++;
    try {
      return await currentWork.run(name, work);
    } finally {
      activity.active--;
      for (const listener of activity.listeners) listener();
    }
  },
};

export function realClock(): Clock {
  return { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) };
}

/** An in-memory clock whose sleep moves itself: for unit tests of what waits on a clock. */
export function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, sleep: async (ms) => { t += Math.max(0, ms); }, advance: (ms) => { t += ms; } };
}

export interface VirtualClock extends Clock {
  /** Refresh the cached time from the emulator. */
  sync(): Promise<void>;
}

/** The emulator's virtual clock, through its admin API. now() is the last time the emulator reported. */
export function virtualClockOverHttp(adminUrl: string, adminToken: string): VirtualClock {
  let cached = 0;
  /** Sleepers in order of their wake time; `idlers` wait on something else. */
  const sleepers: { until: number; wake: () => void; fail: (error: unknown) => void }[] = [];
  let idlers = 0;
  let advancing = false;

  /** Advance to the earliest wake time once every rule at work waits (none at work: at once). */
  async function advanceWhenAllWait(): Promise<void> {
    if (advancing) return;
    advancing = true;
    try {
      while (sleepers.length > 0 && sleepers.length + idlers >= activity.active) {
        sleepers.sort((a, b) => a.until - b.until);
        const until = sleepers[0]!.until;
        if (until > cached) await call('POST', '/admin/clock/advance', { ms: Math.ceil(until - cached) });
        while (sleepers.length > 0 && sleepers[0]!.until <= cached) sleepers.shift()!.wake();
        // Let the woken rules run up to their next wait before judging who waits.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      // The emulator's clock is gone: every sleeper learns it, none waits forever.
      for (const sleeper of sleepers.splice(0)) sleeper.fail(error);
    } finally {
      advancing = false;
    }
  }
  const onActivity = () => { void advanceWhenAllWait(); };
  activity.listeners.add(onActivity);

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<number> {
    const json = await adminCall<{ now?: number } | undefined>({ url: adminUrl, token: adminToken }, method, path, body);
    if (typeof json?.now !== 'number') throw new Error(`emulator clock ${path} answered without the time`);
    cached = json.now;
    return cached;
  }
  return {
    now: () => cached,
    sync: async () => { await call('GET', '/admin/clock'); },
    sleep: (ms) => {
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        sleepers.push({ until: cached + ms, wake: resolve, fail: reject });
        void advanceWhenAllWait();
      });
    },
    idle: async (waiting) => {
      idlers++;
      onActivity();
      try {
        return await waiting;
      } finally {
        idlers--;
      }
    },
  };
}
