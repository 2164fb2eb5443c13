// Clocks the scheduler waits on. Against the embedded emulator the clock is the emulator's virtual
// clock: waiting means advancing it, so windows and lifecycles pass without real time passing.
import { request } from 'undici';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

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
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<number> {
    const res = await request(adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const json = (await res.body.json()) as { now?: number };
    if (res.statusCode !== 200 || typeof json.now !== 'number') throw new Error(`emulator clock ${path} answered ${res.statusCode}`);
    cached = json.now;
    return cached;
  }
  return {
    now: () => cached,
    sync: async () => { await call('GET', '/admin/clock'); },
    sleep: async (ms) => { if (ms > 0) await call('POST', '/admin/clock/advance', { ms: Math.ceil(ms) }); },
  };
}
