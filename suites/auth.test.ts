// 401 — authentication, on both endpoints.
import fc from 'fast-check';
import { describe } from 'vitest';
import { contract, errorForFault } from '../src/contract/index.ts';
import { rule } from '../src/conformance/rule.ts';
import { absentRunId, expectedFor, readRun } from '../src/conformance/requests.ts';
import { adminClient } from '../src/conformance/admin.ts';
import { keepSecret } from '../src/conformance/runs.ts';
import { authProperty, fixtureKeyProperty } from '../src/conformance/patterns.ts';
import { describeAnswer, isNotError, isOneOfErrors } from '../src/oracles/error-answer.ts';
import { apiKeyLike, noSkPrefixAuthorization, schemeCaseVariant, unknownApiKey, wrongSchemeAuthorization } from '../src/generators/index.ts';

/** Past an expiry, a little more, so a server clock a bit behind ours has seen it pass too. */
const EXPIRY_MARGIN_MS = 1000;

describe('authentication', () => {
  rule('AUTH-MISSING', async (r) => {
    await authProperty(r, fc.constant(null), 'noAuth');
  });

  rule('AUTH-WRONG-SCHEME', async (r) => {
    // Real keys inside wrong-format headers catch a target that strips the scheme; random keys
    // stand in where such a target could bill a create. Keys the rate-limit rules' leases leave
    // alone, so no send waits out their chain of leases on one key.
    const keys = r.session.config.allowBillable ? fc.constantFrom(...r.session.scheduler.namedKeys()) : apiKeyLike();
    await authProperty(r, keys.chain((key) => wrongSchemeAuthorization(key)), 'malformedAuth');
  });

  rule('AUTH-NO-SK-PREFIX', async (r) => {
    // The docs leave open whether such a token is "wrong format" or a key no account holds: either reading.
    await authProperty(r, noSkPrefixAuthorization(), 'malformedAuth', 'unknownKey');
  });

  rule('AUTH-SCHEME-CASE', async (r) => {
    // GET of an absent run: 404 run_not_found means the variant was accepted as a key, 401 that it was not.
    const key = r.session.config.keys.pool[0]!;
    const seen = new Set<string>();
    for (const { variant, header } of fc.sample(schemeCaseVariant(key), { seed: r.session.config.seed, numRuns: 30 })) {
      if (seen.has(variant)) continue;
      seen.add(variant);
      const exchange = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'header', value: header }));
      r.countCase();
      r.observe(variant, describeAnswer(exchange), exchange);
    }
  });

  rule('AUTH-UNKNOWN-KEY', async (r) => {
    const header = unknownApiKey([...r.session.secrets.keys()]).map((key) => `${contract.limits.keys.scheme} ${key}`);
    await authProperty(r, header, 'unknownKey');
  });

  rule('AUTH-DISABLED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.disabled!, 'disabledKey');
  });

  rule('AUTH-EXPIRED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.expired!, 'expiredKey');
    // Inside a key's lifetime and after it: a key that expires later works until then, and is refused
    // once it has expired (a key with any expiry refused at once, or never, shows only here).
    if (!r.session.config.admin) return r.partly('a key\'s lifetime is probed against emulators only (their state API makes the key)');
    const admin = adminClient(r.session);
    const lifetimeMs = contract.limits.rateLimit.windowSeconds * 1000;
    const { id } = await admin.createAccount(0);
    const { key } = await admin.createKey(id, { expiresAt: new Date(r.session.clock.now() + lifetimeMs).toISOString() });
    keepSecret(r, key, 'EXPIRING_KEY');
    const auth = { kind: 'key', key } as const;
    const before = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), auth));
    r.countCase();
    if (!r.judge(before, isNotError(before, errorForFault('expiredKey')).map((v) => ({ ...v, message: `a key that expires in ${lifetimeMs / 1000} s is refused before then: ${v.message}` })))) return;
    await r.session.clock.sleep(lifetimeMs + EXPIRY_MARGIN_MS);
    const after = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), auth));
    r.countCase();
    r.judge(after, isOneOfErrors(after, expectedFor('expiredKey')));
  });
});
