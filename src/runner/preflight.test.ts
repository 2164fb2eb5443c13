// The preflight's judgements, on recorded answers (the requests themselves are exercised end to end
// against hostile loopback servers in test/proofs/hostile.test.ts).
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../contract/exchange.ts';
import { loadConfig } from '../settings/index.ts';
import { answersAlike, keysToCheck, notTheApi, PREFLIGHT_MAX_REQUESTS } from './preflight.ts';

const URL_ = 'http://127.0.0.1:1/api/v1/runs/run_x';

function answer(status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Exchange {
  let json: unknown;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { request: { method: 'GET', url: URL_, headers: {} }, response: { status, headers, bodyText: body, truncated: false, ...(json === undefined ? {} : { json }) }, startedAt: 0, durationMs: 1 };
}

const missingKey = answer(401, '{"error":{"message":"Send your API key","code":"missing_api_key"}}');

describe('preflight', () => {
  it.each([
    ['HTML', answer(200, '<html></html>', { 'content-type': 'text/html' }), /not JSON/],
    ['{} 200', answer(200, '{}'), /answered 200 to a request without a key/],
    ['a JSON redirect', answer(302, '{}', { location: '/', 'content-type': 'application/json' }), /redirect \(302\)/],
    ['429 with a long Retry-After', answer(429, '{"error":{"message":"Rate limit exceeded","code":"RATE_LIMITED"}}', { 'retry-after': '3600' }), /429 .*Retry-After 3600 s/],
  ])('refuses a target that answers a keyless GET with %s', (_what, exchange, line) => {
    expect(notTheApi(exchange, URL_)).toMatch(line);
  });

  it('lets any JSON 4xx through: the envelope and the code are for the rules to judge', () => {
    expect(notTheApi(missingKey, URL_)).toBeUndefined();
    expect(notTheApi(answer(401, '{"message":"no key"}'), URL_)).toBeUndefined();
  });

  it('refuses a target that answers with a key exactly as without one', () => {
    expect(answersAlike(missingKey, [missingKey, missingKey])).toMatch(/alike.*401 missing_api_key/);
    expect(answersAlike(missingKey, [missingKey, answer(404, '{"error":{"message":"No run","code":"run_not_found"}}')])).toBeUndefined();
    expect(answersAlike(missingKey, [])).toBeUndefined();
  });

  it('checks pool keys first, then the keys the target must know; never disabled or expired keys', () => {
    const config = loadConfig({
      RUNBASE_URL: 'https://x.test', RUNBASE_API_KEY: 'sk-pool00000001,sk-pool00000002', RUNBASE_OTHER_ACCOUNT_KEY: 'sk-other0000001',
      RUNBASE_DISABLED_KEY: 'sk-disabled0001', RUNBASE_EXPIRED_KEY: 'sk-expired00001', RUNBASE_QUOTA_EXHAUSTED_KEY: 'sk-quota0000001',
    }, { dotenvPath: '/nonexistent/.env' });
    expect(keysToCheck(config).map((k) => k.name)).toEqual(['RUNBASE_API_KEY (key 1 of 2)', 'RUNBASE_API_KEY (key 2 of 2)', 'RUNBASE_OTHER_ACCOUNT_KEY', 'RUNBASE_QUOTA_EXHAUSTED_KEY']);
    expect(PREFLIGHT_MAX_REQUESTS).toBeLessThanOrEqual(10);
  });
});
