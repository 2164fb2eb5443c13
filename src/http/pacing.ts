// How a run keeps to the target's rate limit: the clock it waits on and the per-key scheduler over it.
// One setup for every sender (the conformance session, each side of `npm run compare`).
import { contract } from '../contract/index.ts';
import type { Config } from '../settings/index.ts';
import { realClock, virtualClockOverHttp, type Clock } from './clock.ts';
import { createScheduler, type Scheduler, type SchedulerOptions } from './scheduler.ts';

/** How long requests count against a key: the documented window, and a margin for latency and skew. */
export const FRESH_WINDOW_MS = contract.limits.rateLimit.windowSeconds * 1000 + 1000;

/** Wait on `clock` until requests sent up to `since` have left every key's window. */
export async function waitFreshWindow(clock: Clock, since = clock.now()): Promise<void> {
  const wait = since + FRESH_WINDOW_MS - clock.now();
  if (wait > 0) await clock.sleep(wait);
}

/** The emulator's virtual clock when configured (RUNBASE_CLOCK=virtual), else wall time. */
export async function clockFor(config: Pick<Config, 'clock' | 'admin'>): Promise<Clock> {
  if (config.clock !== 'virtual' || !config.admin) return realClock();
  const virtual = virtualClockOverHttp(config.admin.url, config.admin.token);
  await virtual.sync();
  // An emulator's frozen clock may still hold an earlier run's budgets: start on a fresh window.
  await waitFreshWindow(virtual);
  return virtual;
}

/** The clock and a scheduler over the configured key pool. */
export async function pacingFor(config: Pick<Config, 'clock' | 'admin' | 'keys' | 'maxRetryAfterMs'>, opts: Pick<SchedulerOptions, 'labelOf'> = {}): Promise<{ clock: Clock; scheduler: Scheduler }> {
  const clock = await clockFor(config);
  // Against a real clock, a margin past each window covers latency and clock skew.
  const scheduler = createScheduler({ clock, pool: config.keys.pool, ...opts, marginMs: config.clock === 'virtual' ? 0 : 250, maxRetryAfterMs: config.maxRetryAfterMs });
  return { clock, scheduler };
}
