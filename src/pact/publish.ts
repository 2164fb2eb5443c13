// With PACT_BROKER_BASE_URL set, `npm test` also verifies the pacts the broker holds for this provider
// against the target and publishes the results, with the provider version from the environment or
// git, so `pact-broker can-i-deploy` can answer. The states map to the configured fixture keys; the
// verifier runs in its child process behind the pacing proxy, like the PACT rules.
import { execFileSync } from 'node:child_process';
import { request } from 'undici';
import { contract } from '../contract/index.ts';
import type { Config } from '../settings/index.ts';
import { createSession } from '../conformance/session.ts';
import { redactText } from '../verdicts/redact.ts';
import { createRun } from '../conformance/requests.ts';
import { PROVIDER, pactCases } from './interactions.ts';
import { keyForFixture } from '../conformance/fixtures.ts';
import { startPactProxy, STATE_PATH, type StateSetup } from './proxy.ts';
import { isRateLimitedCase, setUpState, SPENDABLE_LEASE } from './states.ts';
import { startVerifierHost } from './verifier-host.ts';
import { errorsOf, plainOutput, verifierTimeoutMs } from './verify.ts';
import { clockFor, waitFreshWindow } from '../http/pacing.ts';

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

/** The broker could not be used (unreachable, refused, failing): exit 2, with the broker's reason. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
}

/** published: every interaction verified and the result published; mismatch: Pact's mismatches (published too). */
export type PublishOutcome = { kind: 'published' } | { kind: 'mismatch'; mismatches: string[] };

/** Settings before any request: publishing verifies every interaction, so it needs every fixture. */
function requireEverything(config: Config): void {
  const cases = pactCases();
  const missing = cases.filter((c) => c.fixture !== null && !keyForFixture(config, c.fixture)).map((c) => c.fixture);
  if (missing.length) throw new BrokerError(`publishing needs every provider state's fixture; missing: ${[...new Set(missing)].join(', ')}`);
  if (cases.some((c) => c.billable) && !config.allowBillable) throw new BrokerError('publishing verifies every interaction, some of them billable: set RUNBASE_ALLOW_BILLABLE=1');
}

/** A broker that does not answer, or refuses our credentials, is named before Pact runs. */
async function checkBroker(broker: BrokerSettings, timeoutMs: number): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/hal+json' };
  if (broker.token) headers.authorization = `Bearer ${broker.token}`;
  else if (broker.username) headers.authorization = `Basic ${Buffer.from(`${broker.username}:${broker.password ?? ''}`).toString('base64')}`;
  let status: number;
  try {
    const res = await request(broker.url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body.text();
    status = res.statusCode;
  } catch (error) {
    const err = error as { code?: string; cause?: { code?: string }; message?: string };
    throw new BrokerError(`the Pact Broker at ${broker.url} cannot be reached (${err.code ?? err.cause?.code ?? err.message ?? 'no answer'})`);
  }
  if (status === 401 || status === 403) throw new BrokerError(`the Pact Broker refused the credentials (${status}): check PACT_BROKER_TOKEN or PACT_BROKER_USERNAME/PACT_BROKER_PASSWORD`);
  if (status >= 400) throw new BrokerError(`the Pact Broker answered ${status}`);
}

/** A fresh window on the target's clock (on a virtual one, clockFor has already moved it past one). */
async function waitOneWindow(config: Config): Promise<void> {
  const clock = await clockFor(config);
  if (config.clock !== 'virtual') await waitFreshWindow(clock);
}

/** Verify the broker's pacts for this provider and publish the results. Throws BrokerError when the broker is the problem. */
export async function verifyAndPublish(config: Config, broker: BrokerSettings): Promise<PublishOutcome> {
  if (config.target.kind !== 'remote') throw new BrokerError('the target is not resolved');
  requireEverything(config);
  await checkBroker(broker, config.timeoutMs);
  // The rules just ran on these keys in the test worker: let one window pass so every key starts with its full budget.
  await waitOneWindow(config);
  const session = await createSession({ config, embedded: false });
  const secrets = new Map(session.secrets);
  if (broker.token) secrets.set(broker.token, '$PACT_BROKER_TOKEN');
  if (broker.password) secrets.set(broker.password, '$PACT_BROKER_PASSWORD');
  const redact = (text: string) => redactText(text, secrets);
  const send = (spec: Parameters<typeof session.send>[0]) => session.send(spec, 'PACT-BROKER');
  const byState = new Map(pactCases().map((c) => [c.state, c]));
  const setUp = async (state: string): Promise<StateSetup> => {
    const c = byState.get(state);
    // Another consumer's state: a healthy key, paced.
    if (!c) return { auth: { kind: 'pool' } };
    // The rate-limited state's key is spent under a lease, handed back at once: the scheduler saw the
    // raw burst, so no paced request of the next interactions uses that key before its window is over.
    const lease = isRateLimitedCase(c) ? await session.scheduler.lease(SPENDABLE_LEASE) : undefined;
    try {
      return await setUpState(c, {
        config, send, ...(lease ? { spendableKey: lease.key } : {}),
        createRun: async (auth) => {
          const e = await send(createRun({ model: contract.models.defaultModel, input: { prompt: 'a lighthouse at dusk' } }, auth));
          const id = (e.response.json as { id?: unknown } | undefined)?.id;
          return typeof id === 'string' ? { id, auth } : undefined;
        },
      });
    } finally {
      lease?.release();
    }
  };

  const proxy = await startPactProxy();
  const host = startVerifierHost();
  try {
    const result = await proxy.run({ setUp, send, redact }, () => host.verify({
      provider: PROVIDER,
      providerBaseUrl: proxy.url,
      providerStatesSetupUrl: proxy.url + STATE_PATH,
      pactBrokerUrl: broker.url,
      ...(broker.token ? { pactBrokerToken: broker.token } : {}),
      ...(broker.username ? { pactBrokerUsername: broker.username, pactBrokerPassword: broker.password ?? '' } : {}),
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
      publishVerificationResult: true,
      providerVersion: broker.providerVersion,
      ...(broker.branch ? { providerVersionBranch: broker.branch } : {}),
      logLevel: 'warn',
      timeout: verifierTimeoutMs(config.timeoutMs),
    }));
    return outcomeOf(result, redact);
  } finally {
    await host.close();
    await proxy.close();
  }
}

/** Only interaction mismatches are the target's fault; a verifier that could not judge or publish is the broker's. */
function outcomeOf(result: { ok: boolean; json?: string; error?: string; output: string }, redact: (t: string) => string): PublishOutcome {
  const output = redact(plainOutput(result.output));
  // The verifier logs a failed publication but still reports the verification itself.
  const publishFailure = output.match(/Publishing of verification results failed[^\n]*/i)?.[0];
  if (publishFailure) throw new BrokerError(`the verification results were not published: ${publishFailure.slice(0, 300)}`);
  if (result.ok) return { kind: 'published' };
  if (!result.json) throw new BrokerError(`the Pact verifier could not run: ${redact(result.error ?? 'no result').slice(0, 300)}`);
  const { mismatches, problems } = errorsOf(result.json);
  if (problems.length || mismatches.length === 0) {
    throw new BrokerError(`the broker's pacts could not be verified: ${redact(problems[0] ?? 'no mismatch named').slice(0, 300)}`);
  }
  return { kind: 'mismatch', mismatches: mismatches.map((m) => redact(`${m.mismatch ?? m.type ?? 'mismatch'}${m.path ? ` at ${m.path}` : ''}`)) };
}
