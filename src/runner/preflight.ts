// Before any rule runs: a few requests (at most PREFLIGHT_MAX_REQUESTS) that tell whether the target
// speaks JSON errors the way an API does at all, and whether it knows every configured key. A target
// that answers everything alike ({} 200, a redirect, 429, HTML) or a key it does not know would
// otherwise cost a whole paced run and end in a wall of failures that are not the contract's fault.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../settings/index.ts';
import { contract, errorForFault } from '../contract/index.ts';
import { KEY_FIXTURES, UNKNOWN_BY_DESIGN, type KeyField, type KeyFixture } from '../contract/key-fixtures.ts';
import { createClient, type Client } from '../http/client.ts';
import { retryAfterMs } from '../http/retry-after.ts';
import { waitFreshWindow } from '../http/pacing.ts';
import { realClock } from '../http/clock.ts';
import { TargetError, type Exchange } from '../contract/exchange.ts';
import { absentRunId, readRun } from '../conformance/requests.ts';
import { redactText, secretsOf } from '../verdicts/redact.ts';
import { describeAnswer, isRateLimited, matchingError } from '../oracles/error-answer.ts';

export const PREFLIGHT_MAX_REQUESTS = 10;
/** A 429 with a Retry-After up to this is waited out once; longer, and the run would not end in time. */
const PREFLIGHT_MAX_RETRY_AFTER_S = 5;

export interface PreflightResult {
  /** One line; undefined when the target may be judged. */
  problem?: { kind: 'config' | 'target'; line: string };
  requests: number;
  /** When the last request that carried a key was answered (for the rate budget), epoch ms. */
  lastKeyedAt?: number;
}

/** Fixture keys the target must know: disabled and expired keys are answered invalid_api_key by design. */
const KNOWN_FIXTURE_KEYS = (Object.entries(KEY_FIXTURES) as [KeyFixture, KeyField][])
  .filter(([fixture]) => !UNKNOWN_BY_DESIGN.includes(fixture))
  .map(([fixture, field]) => [field, fixture] as const);

/** The keys to check and the variable each comes from, pool keys first. */
export function keysToCheck(config: Config): { key: string; name: string }[] {
  const poolName = contract.fixtures.apiKeys!.env[0]!;
  const pool = config.keys.pool.map((key, i, all) => ({ key, name: all.length === 1 ? poolName : `${poolName} (key ${i + 1} of ${all.length})` }));
  const fixtures = KNOWN_FIXTURE_KEYS.flatMap(([field, fixture]) => {
    const key = config.keys[field];
    return typeof key === 'string' ? [{ key, name: contract.fixtures[fixture]!.env[0]! }] : [];
  });
  return [...pool, ...fixtures];
}

/** Retry-After in whole seconds (the one reading: src/http/retry-after.ts). */
function retryAfterSeconds(exchange: Exchange): number | undefined {
  const ms = retryAfterMs(exchange, Date.now());
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/** Why an answer to a request without a key shows a target that does not speak the documented API. */
export function notTheApi(exchange: Exchange, url: string): string | undefined {
  const { status, headers } = exchange.response;
  const type = headers['content-type'] ?? 'no content type';
  const rateLimited = matchingError(exchange, [errorForFault('rateLimited')]) !== undefined || status === errorForFault('rateLimited').status;
  if (rateLimited) {
    const wait = retryAfterSeconds(exchange);
    return `${url} answered ${status} to a request without a key${wait === undefined ? '' : ` (Retry-After ${wait} s)`}: the target throttles every caller; try later`;
  }
  if (status >= 300 && status < 400) return `${url} answered a redirect (${status}) instead of the API: is RUNBASE_URL the API's origin or its root (…/api/v1), with the right scheme?`;
  if (exchange.response.json === undefined) return `${url} answered ${status} with ${type}, not JSON: is RUNBASE_URL the API's origin or its root (…/api/v1)?`;
  if (status < 400) return `${url} answered ${status} to a request without a key, where the documented answer is ${errorForFault('noAuth').status} ${errorForFault('noAuth').code}: the target does not look like the Runbase API`;
  // Any JSON 4xx will do: a wrong envelope or code is the contract's business, judged by the rules (exit 1).
  return undefined;
}

/**
 * Every key answered exactly as no key was: the target does not look at the Authorization header
 * (a proxy that drops it, or a route that is not the API). Undefined when the answers differ.
 */
export function answersAlike(anonymous: Exchange, keyed: readonly Exchange[]): string | undefined {
  const same = (e: Exchange) => e.response.status === anonymous.response.status && e.response.bodyText === anonymous.response.bodyText;
  if (keyed.length === 0 || !keyed.every(same)) return undefined;
  return `answered every request alike, with a key or without (${describeAnswer(anonymous)}): is a proxy dropping the Authorization header, or is RUNBASE_URL not the API's root?`;
}

async function sendOnce(client: Client, url: string, authorization: string | undefined): Promise<Exchange> {
  return client.send({ method: contract.limits.endpoints.readRun.method, url, headers: authorization === undefined ? {} : { authorization } });
}

/**
 * 1. A GET of an absent run without a key must get a JSON 4xx answer (a 429 with a short
 *    Retry-After is waited out once). 2. The same GET with each key that must be known (pool keys,
 *    then the other account's and the fixture keys the target should accept) must not be
 *    `invalid_api_key`. Never more than PREFLIGHT_MAX_REQUESTS requests, each within the timeout.
 */
export async function preflight(config: Config): Promise<PreflightResult> {
  if (config.target.kind !== 'remote') return { requests: 0 };
  const secrets = secretsOf(config);
  const say = (kind: 'config' | 'target', line: string): PreflightResult['problem'] => ({ kind, line: redactText(line, secrets) });
  const client = createClient({ timeoutMs: Math.min(config.timeoutMs, 10_000), maxBodyBytes: 64 * 1024, proxyEnv: process.env, userAgent: config.userAgent });
  const url = config.target.apiRoot + readRun(absentRunId('preflight', config.seed), { kind: 'header', value: null }).path;
  let requests = 0;
  let lastKeyedAt: number | undefined;
  const done = (problem?: PreflightResult['problem']): PreflightResult => ({ requests, ...(problem ? { problem } : {}), ...(lastKeyedAt ? { lastKeyedAt } : {}) });
  try {
    let anonymous = await sendOnce(client, url, undefined);
    requests++;
    const wait = anonymous.response.status === errorForFault('rateLimited').status ? retryAfterSeconds(anonymous) : undefined;
    if (wait !== undefined && wait <= PREFLIGHT_MAX_RETRY_AFTER_S) {
      await sleep(wait * 1000 + 250);
      anonymous = await sendOnce(client, url, undefined);
      requests++;
    }
    const notApi = notTheApi(anonymous, url);
    if (notApi) return done(say('target', notApi));

    const invalid = errorForFault('unknownKey');
    const rejected: string[] = [];
    const keyed: Exchange[] = [];
    for (const { key, name } of keysToCheck(config).slice(0, PREFLIGHT_MAX_REQUESTS - requests)) {
      const answer = await sendOnce(client, url, `${contract.limits.keys.scheme} ${key}`);
      requests++;
      lastKeyedAt = Date.now();
      keyed.push(answer);
      if (matchingError(answer, [invalid]) && !matchingError(anonymous, [invalid])) rejected.push(name);
      // The first paced request with this key would end the run on the same Retry-After: say so now.
      // (RATE_LIMITED only, as the scheduler: a quota key's USAGE_EXCEEDED is the fixture's own state.)
      const throttled = isRateLimited(answer) ? retryAfterSeconds(answer) : undefined;
      if (throttled !== undefined && throttled * 1000 > config.maxRetryAfterMs) {
        return done(say('target', `${url} answered ${answer.response.status} to ${name}: the target throttles this key for ${throttled} s (Retry-After), longer than RUNBASE_MAX_RETRY_AFTER_S=${config.maxRetryAfterMs / 1000}`));
      }
    }
    const alike = answersAlike(anonymous, keyed);
    if (alike) return done(say('target', `${url} ${alike}`));
    if (rejected.length > 0) {
      return done(say('config', `the target rejects ${rejected.join(', ')} (${invalid.status} ${invalid.code} on a plain GET): a key that is wrong, revoked, or for another deployment`));
    }
    return done();
  } catch (error) {
    return done(say('target', error instanceof TargetError ? error.message : `could not reach ${url}: ${(error as Error).message}`));
  } finally {
    await client.close();
  }
}

/**
 * The preflight's keyed requests count against each key's rate budget, which the run's scheduler
 * (in the worker) does not know of: against a real clock, start the run once they left the window.
 * A virtual-clock emulator is moved past the window by the session itself.
 */
export async function waitForPreflightWindow(config: Config, result: PreflightResult): Promise<void> {
  if (config.clock !== 'real' || result.lastKeyedAt === undefined) return;
  await waitFreshWindow(realClock(), result.lastKeyedAt);
}
