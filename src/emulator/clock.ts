// The emulator's clock. Everything time-based reads it: rate windows, run lifecycles, key expiry.
export interface EmulatorClock {
  now(): number;
  advance(ms: number): number;
  readonly mode: 'virtual' | 'real';
}

/** virtual: frozen at `start`, moves only when advanced. real: wall time plus whatever was advanced. */
export function createClock(mode: 'virtual' | 'real', start = Date.now()): EmulatorClock {
  let offset = 0;
  const base = mode === 'virtual' ? () => start : () => Date.now();
  return {
    mode,
    now: () => base() + offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
      offset += ms;
      return base() + offset;
    },
  };
}
