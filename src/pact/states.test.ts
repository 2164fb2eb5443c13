// The rate-limited provider state keeps its key spent until Pact's request, however late that request
// comes within a window. The race it guards against: a key other rules used shortly before is spent
// by a burst that is mostly refused, so the window holds old requests that leave it a moment later,
// and Pact's request is admitted (a false failure, seen with one key behind latency). Real HTTP to the
// emulator on loopback, on its virtual clock.
import { afterAll, describe, expect, it } from 'vitest';
import { contract, errorForFault } from '../contract/index.ts';
import { loadConfig } from '../settings/index.ts';
import { createSession, type Session } from '../conformance/session.ts';
import { absentRunId, readRun } from '../conformance/requests.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../emulator/index.ts';
import { matchingError } from '../oracles/error-answer.ts';
import type { Lease } from '../http/scheduler.ts';
import { pactCases } from './interactions.ts';
import { isRateLimitedCase, setUpState, SPENDABLE_LEASE } from './states.ts';

const windowMs = contract.limits.rateLimit.windowSeconds * 1000;
const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

/** A session on one key against a fresh emulator on a virtual clock. */
async function oneKeySession(): Promise<Session> {
  const emulator = await startEmulator({ clock: 'virtual' });
  emulators.push(emulator);
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  const config = loadConfig({ ...env, RUNBASE_API_KEY: env.RUNBASE_API_KEY!.split(',')[0]!, RUNBASE_CLOCK: 'virtual', RUNBASE_ENV_FILE: '/dev/null' });
  return createSession({ config, embedded: false });
}

/**
 * Other rules use most of the key's window, 9 s pass, the state is set up on a key leased by `lease`,
 * then Pact's request comes `lateMs` later: is it refused?
 */
async function pactRequestRefused(lease: (s: Session) => Promise<Lease>, lateMs: number): Promise<boolean> {
  const session = await oneKeySession();
  const send = (spec: Parameters<Session['send']>[0]) => session.send(spec, 'PACT-RATE-LIMITED');
  for (let i = 0; i < contract.limits.rateLimit.requests - 5; i++) await send(readRun(absentRunId('other-rules')));
  await session.clock.sleep(windowMs - 1000);
  const c = pactCases().find(isRateLimitedCase)!;
  const held = await lease(session);
  try {
    const setup = await setUpState(c, { config: session.config, send, spendableKey: held.key, createRun: async () => undefined });
    await session.clock.sleep(lateMs);
    const answer = await send(readRun(absentRunId('pact'), setup.auth, { raw: true }));
    return matchingError(answer, [errorForFault('rateLimited')]) !== undefined;
  } finally {
    held.release();
  }
}

describe('the rate-limited provider state', () => {
  it('keeps its key spent for Pact\'s request, even one that comes most of a window later', async () => {
    expect(await pactRequestRefused((s) => s.scheduler.lease(SPENDABLE_LEASE), windowMs / 2)).toBe(true);
  });

  it('(the race it prevents: a key leased without idling frees a slot a moment after the spend)', async () => {
    expect(await pactRequestRefused((s) => s.scheduler.lease(), 1500)).toBe(false);
  });
});
