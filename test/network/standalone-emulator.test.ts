// `npm test` against the standalone emulator in real time (the documented 20 requests / 10 s per key
// really waited for): a real-time proof, so it runs in `npm run test:network`, not in test:self.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures } from '../../src/emulator/index.ts';
import { runConformance } from '../helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

describe('npm test in real time', () => {
  it('passes the standalone emulator in real time, with the rate limit respected (no 429 outside the rate-limit rules)', async () => {
    const emulator = await startEmulator({ clock: 'real' });
    cleanups.push(() => emulator.close());
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const run = await runConformance({ ...env, RUNBASE_RUNS: '3' }, 300_000);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('environment events (429s retried outside the rate-limit rules): 0');
  }, 320_000);
});
