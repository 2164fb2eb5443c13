// Resolves the target once for the whole run. RUNBASE_URL unset: start the embedded reference
// emulator on an ephemeral loopback port (virtual clock), provision every fixture through its state
// API, and stop it afterwards. The workers receive the resolved configuration through `provide`.
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../settings/index.ts';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import type { ProvidedTarget } from '../conformance/session.ts';

/** Healthy keys for the embedded run: enough that the scheduler rarely waits, never a looser limit. */
export const EMBEDDED_POOL_SIZE = 16;

export async function resolveTarget(env: NodeJS.ProcessEnv = process.env): Promise<{ target: ProvidedTarget; stop: () => Promise<void> }> {
  const config = loadConfig(env);
  if (config.target.kind === 'remote') return { target: { config, embedded: false }, stop: async () => {} };
  const emulator = await startEmulator({ clock: 'virtual' });
  try {
    const fixtures = await provisionFixtures(emulator.state, { poolSize: EMBEDDED_POOL_SIZE, url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    // The embedded run reads the same variables a user would paste from `npm run emulator`;
    // the user's own run settings (seed, runs, strict, …) still apply.
    const embedded = loadConfig({ ...env, ...fixtures }, { embedded: true });
    return { target: { config: embedded, embedded: true }, stop: () => emulator.close() };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { target, stop } = await resolveTarget();
  project.provide('runbase', target);
  return stop;
}
