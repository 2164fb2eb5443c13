// With PACT_BROKER_BASE_URL set, `npm test` also verifies the pacts the broker holds for this provider
// against the target and publishes the results, with the provider version from the environment or
// git, so `pact-broker can-i-deploy` can answer. The states map to the configured fixture keys.
import { execFileSync } from 'node:child_process';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { request } from 'undici';
import { contract, errorForFault } from '../contract/index.ts';
import type { Config } from '../config.ts';
import { PROVIDER, pactCases } from './interactions.ts';
import { keyForFixture } from '../conformance/fixtures.ts';

export interface BrokerSettings { url: string; token?: string; username?: string; password?: string; providerVersion: string; branch?: string }

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The broker settings, or undefined when no broker is configured. The version: env, then git. */
export function brokerSettings(env: NodeJS.ProcessEnv): BrokerSettings | undefined {
  const url = env.PACT_BROKER_BASE_URL?.trim();
  if (!url) return undefined;
  const providerVersion = env.PACT_PROVIDER_VERSION ?? env.GITHUB_SHA ?? env.GIT_COMMIT ?? git(['rev-parse', 'HEAD']);
  if (!providerVersion) throw new Error('PACT_BROKER_BASE_URL is set but no provider version: set PACT_PROVIDER_VERSION (or run inside a git checkout)');
  const branch = env.PACT_PROVIDER_BRANCH ?? env.GITHUB_HEAD_REF ?? env.GITHUB_REF_NAME ?? git(['rev-parse', '--abbrev-ref', 'HEAD']);
  return {
    url, providerVersion,
    ...(env.PACT_BROKER_TOKEN ? { token: env.PACT_BROKER_TOKEN } : {}),
    ...(env.PACT_BROKER_USERNAME ? { username: env.PACT_BROKER_USERNAME, password: env.PACT_BROKER_PASSWORD ?? '' } : {}),
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
  };
}

/** The key a state maps to; the rate-limited state spends a pool key of its own. */
function keyFor(config: Config, fixture: string | null, rateLimited = false): string | null {
  if (fixture === null) return null;
  return keyForFixture(config, fixture, rateLimited ? config.keys.pool.length - 1 : 0) ?? null;
}

async function waitOneWindow(config: Config): Promise<void> {
  const ms = contract.limits.rateLimit.windowSeconds * 1000 + 1000;
  if (config.clock === 'virtual' && config.admin) {
    const res = await request(`${config.admin.url}/admin/clock/advance`, { method: 'POST', headers: { authorization: `Bearer ${config.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
    await res.body.text();
  } else {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Verify the broker's pacts for this provider and publish the results. Rejects with Pact's mismatches. */
export async function verifyAndPublish(config: Config, broker: BrokerSettings): Promise<void> {
  if (config.target.kind !== 'remote') throw new Error('the target is not resolved');
  const apiRoot = new URL(config.target.apiRoot);
  const documentedRoot = contract.limits.apiRootPath;
  const rootPath = apiRoot.pathname.replace(/\/$/, '');
  const cases = pactCases();
  const missing = cases.filter((c) => c.fixture !== null && !keyFor(config, c.fixture)).map((c) => c.fixture);
  if (missing.length) throw new Error(`publishing needs every provider state's fixture; missing: ${[...new Set(missing)].join(', ')}`);
  if (cases.some((c) => c.billable) && !config.allowBillable) throw new Error('publishing verifies every interaction, some of them billable: set RUNBASE_ALLOW_BILLABLE=1');

  let current: string | null = null;
  const auth = (key: string) => ({ authorization: `${contract.limits.keys.scheme} ${key}` });
  const get = (key: string) => request(`${config.target.kind === 'remote' ? config.target.apiRoot : ''}${contract.limits.endpoints.createRun.path}/${contract.limits.runs.idPrefix}publishprobe`, { headers: auth(key) });
  const stateHandlers: NonNullable<VerifierOptions['stateHandlers']> = {};
  for (const c of cases) {
    const rateLimited = c.response.code === errorForFault('rateLimited').code;
    stateHandlers[c.state] = async () => {
      current = keyFor(config, c.fixture, rateLimited);
      if (rateLimited && current) {
        // Spend the key's budget until the target limits it.
        for (let i = 0; i < 2 * contract.limits.rateLimit.requests + 1; i++) {
          const res = await get(current);
          const body = (await res.body.json().catch(() => ({}))) as { error?: { code?: string } };
          if (body.error?.code === errorForFault('rateLimited').code) break;
        }
      }
      if (c.request.readsProviderRun && current) {
        const res = await request(config.target.kind === 'remote' ? config.target.apiRoot + contract.limits.endpoints.createRun.path : '', {
          method: 'POST', headers: { ...auth(current), 'content-type': 'application/json' },
          body: JSON.stringify({ model: contract.models.defaultModel, input: { prompt: 'a lighthouse at dusk' } }),
        });
        const run = (await res.body.json()) as { id?: string };
        return run.id ? { runId: run.id } : undefined;
      }
      return undefined;
    };
  }
  const filter = (req: { headers: Record<string, unknown>; url?: string }, _res: unknown, next: () => void): void => {
    if (current) req.headers.authorization = `${contract.limits.keys.scheme} ${current}`;
    else delete req.headers.authorization;
    if (rootPath !== documentedRoot && req.url?.startsWith(documentedRoot)) req.url = rootPath + req.url.slice(documentedRoot.length);
    next();
  };
  // The rules just ran on these keys: let one window pass so every key starts with its full budget.
  await waitOneWindow(config);
  await new Verifier({
    provider: PROVIDER,
    providerBaseUrl: apiRoot.origin,
    pactBrokerUrl: broker.url,
    ...(broker.token ? { pactBrokerToken: broker.token } : {}),
    ...(broker.username ? { pactBrokerUsername: broker.username, pactBrokerPassword: broker.password ?? '' } : {}),
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    publishVerificationResult: true,
    providerVersion: broker.providerVersion,
    ...(broker.branch ? { providerVersionBranch: broker.branch } : {}),
    logLevel: 'warn',
    timeout: config.timeoutMs,
    stateHandlers,
    requestFilter: filter as VerifierOptions['requestFilter'],
  }).verifyProvider();
}
