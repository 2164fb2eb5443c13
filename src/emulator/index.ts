// The reference Runbase: a public server that serves only the documented API, an admin (state)
// server on a separate port, and a clock that is either virtual or real.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClock } from './clock.ts';
import { createState, type EmulatorState } from './state.ts';
import { createRateLimiter, type RateLimit } from './rate-limit.ts';
import { faithfulSteps, type Step } from './pipeline.ts';
import { createPublicServer } from './public-server.ts';
import { createAdminServer } from './admin-server.ts';
import { provisionFixtures } from './fixtures.ts';
import { closeServer } from './http.ts';
import { resolveChoices } from './choice-settings.ts';
import { responseExtras } from './extras.ts';

export { provisionFixtures } from './fixtures.ts';
export { faithfulSteps, steps, errorAnswer, faultAnswer, handle, type Step, type Ctx, type Answer } from './pipeline.ts';
export type { EmulatorState } from './state.ts';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  adminPort?: number;
  adminToken?: string;
  clock?: 'virtual' | 'real';
  steps?: readonly Step[];
  /** Model another target's undocumented choices: the order of the fault checks (step names). */
  precedence?: readonly string[];
  /** Model another target's answer to unknown routes. */
  unknownRouteStatus?: number;
  /** Load mode for tool and load runs: another per-key limit, or none. Default: the documented limit. */
  rateLimit?: RateLimit | 'off';
  /** Settings of contracts/emulator.json "choices", by name; the rest keep their defaults. */
  choices?: Record<string, unknown>;
}

/** The faithful steps reordered to `precedence` (a permutation of their names), or as they are. */
export function orderedSteps(precedence: readonly string[] | undefined, base: readonly Step[] = faithfulSteps): Step[] {
  if (!precedence) return [...base];
  const names = base.map((s) => s.name);
  if (precedence.length !== names.length || !names.every((n) => precedence.includes(n))) {
    throw new Error(`precedence must list every step once: ${names.join(',')}`);
  }
  return precedence.map((n) => base.find((s) => s.name === n)!);
}

export interface RunningEmulator {
  url: string;
  adminUrl: string;
  adminToken: string;
  state: EmulatorState;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const origin = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const adminToken = opts.adminToken ?? `adm_${randomBytes(24).toString('base64url')}`;
  const settings = resolveChoices(opts.choices);
  const state = createState(createClock(opts.clock ?? 'real'));
  let table = orderedSteps(opts.precedence, opts.steps ?? faithfulSteps);
  if (opts.unknownRouteStatus !== undefined) {
    const status = opts.unknownRouteStatus;
    table = table.map((s) => (s.name === 'route' ? { ...s, run: (ctx) => { const a = s.run(ctx); return a && { ...a, status }; } } : s));
  }
  const publicServer = createPublicServer(state, createRateLimiter(opts.rateLimit), table, responseExtras(settings));
  let url = '';
  let adminUrl = '';
  const adminServer = createAdminServer(state, {
    token: adminToken,
    provision: (poolSize) => provisionFixtures(state, { ...(poolSize === undefined ? {} : { poolSize }), url, adminUrl, adminToken }),
  });
  const port = await listen(publicServer, opts.port ?? 0, host);
  url = origin(host, port);
  try {
    const adminPort = await listen(adminServer, opts.adminPort ?? 0, host);
    adminUrl = origin(host, adminPort);
  } catch (error) {
    await closeServer(publicServer);
    throw error;
  }
  return {
    url,
    adminUrl,
    adminToken,
    state,
    close: async () => { await Promise.all([closeServer(publicServer), closeServer(adminServer)]); },
  };
}
