// Resolves the target once for the whole run. RUNBASE_URL unset: start the embedded reference
// emulator on an ephemeral loopback port (virtual clock), provision every fixture through its state
// API, and stop it afterwards. The settings come from the run (src/runner/main.ts provides them);
// the workers receive the resolved configuration through `provide`.
import type { TestProject } from 'vitest/node';
import { parseSettings, readSettings, runbaseOnly, type Config } from '../settings/index.ts';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import type { ProvidedTarget } from '../conformance/session.ts';

/** What the run hands its global setup, reporter and worker: the settings it read once. */
export interface RunSettings {
  config: Config;
  /** The RUNBASE_* values they were parsed from (the embedded run adds the emulator's fixtures). */
  raw: Record<string, string>;
  /** Where the worker writes its progress for the reporter; none when progress is off. */
  progressFile?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    runbaseSettings: RunSettings;
  }
}

/** Healthy keys for the embedded run: enough that the scheduler rarely waits, never a looser limit. */
export const EMBEDDED_POOL_SIZE = 16;

export async function resolveTarget(settings: RunSettings): Promise<{ target: ProvidedTarget; stop: () => Promise<void> }> {
  const { config } = settings;
  if (config.target.kind === 'remote') return { target: { config, embedded: false }, stop: async () => {} };
  const emulator = await startEmulator({ clock: 'virtual' });
  try {
    const fixtures = await provisionFixtures(emulator.state, { poolSize: EMBEDDED_POOL_SIZE, url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    // The embedded run reads the same variables a user would paste from `npm run emulator`;
    // the user's own run settings (seed, runs, strict, …) still apply.
    const embedded = parseSettings({ ...settings.raw, ...fixtures }, { embedded: true });
    return { target: { config: embedded, embedded: true }, stop: () => emulator.close() };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** A direct `vitest --project conformance` has no run to hand it settings: they are read here, once. */
function settingsOfThisProcess(): RunSettings {
  const raw = runbaseOnly(readSettings());
  return { config: parseSettings(raw), raw };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const settings = project.getProvidedContext().runbaseSettings ?? settingsOfThisProcess();
  const { target, stop } = await resolveTarget(settings);
  project.provide('runbase', target);
  return stop;
}
