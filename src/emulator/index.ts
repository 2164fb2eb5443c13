// The reference Runbase: a public server that serves only the documented API, an admin (state)
// server on a separate port, and a clock that is either virtual or real.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClock } from './clock.ts';
import { createState, type EmulatorState } from './state.ts';
import { createRateLimiter, type RateLimit } from './rate-limit.ts';
import { faithfulSteps, type Step } from './pipeline.ts';
import { resolveChoices, type OpenChoices } from '../contract/emulator-choices.ts';
import { bodyLimitFor, tableForChoices } from './choice-steps.ts';
import { createPublicServer } from './public-server.ts';
import { createAdminServer } from './admin-server.ts';
import { provisionFixtures } from './fixtures.ts';
import { closeServer } from './http.ts';
import { responseExtras } from './extras.ts';

export { provisionFixtures } from './fixtures.ts';
export { faithfulSteps, steps, errorAnswer, faultAnswer, handle, type Step, type Ctx, type Answer } from './pipeline.ts';
export type { EmulatorState } from './state.ts';
export { choiceCatalogue, resolveChoices, type OpenChoices, type ChoiceName, type ChoiceValue } from '../contract/emulator-choices.ts';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  adminPort?: number;
  adminToken?: string;
  clock?: 'virtual' | 'real';
  steps?: readonly Step[];
  /** Another target's answers to the points the docs leave open (contracts/emulator.json "choices"); any subset. */
  choices?: Partial<Record<keyof OpenChoices, unknown>>;
  /** The choice `precedence` (an order of all step names), as an option of its own. */
  precedence?: readonly string[];
  /** The choice `unknownRouteStatus`, as an option of its own. */
  unknownRouteStatus?: number;
  /** Load mode for tool and load runs: another per-key limit, or none. Default: the documented limit. */
  rateLimit?: RateLimit | 'off';
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
  const state = createState(createClock(opts.clock ?? 'real'));
  const chosen = resolveChoices({
    ...opts.choices,
    ...(opts.precedence ? { precedence: [...opts.precedence] } : {}),
    ...(opts.unknownRouteStatus !== undefined ? { unknownRouteStatus: opts.unknownRouteStatus } : {}),
  });
  const table = tableForChoices(chosen, opts.steps ?? faithfulSteps);
  const publicServer = createPublicServer(state, createRateLimiter(opts.rateLimit, chosen), table, bodyLimitFor(chosen), responseExtras(chosen));
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
