// 402 / 403 — money and access.
import { describe } from 'vitest';
import { errorForFault } from '../src/contract/index.ts';
import { rule, configuredModel } from '../src/conformance/rule.ts';
import { absentRunId, createRun, expectedFor, readRun } from '../src/conformance/requests.ts';
import { fixtureKeyProperty } from '../src/conformance/patterns.ts';
import { describeAnswer, isNotError, isOneOfErrors } from '../src/oracles/error-answer.ts';
import { nearMissAddresses, validInput, spoofedForwardingHeaders } from '../src/generators/index.ts';
import { adminClient } from '../src/conformance/admin.ts';
import { loopbackAddress } from '../src/conformance/loopback.ts';
import { keepSecret } from '../src/conformance/runs.ts';
import { violation } from '../src/oracles/types.ts';

describe('money and access', () => {
  rule('BAL-INSUFFICIENT', async (r) => {
    const key = r.session.config.keys.lowBalance!;
    const model = configuredModel(r.session);
    await r.forAll(validInput(model), async (input) => {
      const exchange = await r.send(createRun({ model: model.id, input }, { kind: 'key', key }));
      const body = exchange.response.json as { id?: unknown } | undefined;
      // "No run is created": a refused create must not hand back a run.
      const leaked = typeof body?.id === 'string' ? violation('noRunCreated', 'a refused create returned a run id', 'no run', String(body.id)) : [];
      return [...isOneOfErrors(exchange, expectedFor('lowBalance')), ...leaked];
    }, { numRuns: Math.min(r.session.config.runs, 10) });
  });

  rule('SPEND-LIMIT-REACHED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.spent!, 'spendReached', { endpoints: ['create'] });
  });

  rule('SPEND-LIMIT-GET', async (r) => {
    const exchange = await r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'key', key: r.session.config.keys.spent! }));
    r.countCase();
    r.observe('GET with a key at its spend cap', describeAnswer(exchange), exchange);
  });

  rule('IP-NOT-ALLOWED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.ipRestricted!, 'ipNotAllowed');
    // Whitelists that name the caller, or nearly. Only where the target's view of our address is known:
    // an emulator on this machine (loopback: we connect from 127.0.0.1), whose state API makes the keys.
    const caller = loopbackAddress(r.session.apiRoot);
    if (!r.session.config.admin || !caller) return r.partly('near-miss whitelists are probed against an emulator on loopback only (its state API makes the keys, and our address is known)');
    const admin = adminClient(r.session);
    const { id } = await admin.createAccount(0);
    const read = async (ipWhitelist: string[], n: number) => {
      const { key } = await admin.createKey(id, { ipWhitelist });
      keepSecret(r, key, `IP_PROBE_KEY_${n}`);
      return r.send(readRun(absentRunId(r.rule.id, r.session.config.seed), { kind: 'key', key }));
    };
    // A whitelist of our own address lets us in (the documented fix for ip_not_allowed is to add it).
    const own = await read([caller], 0);
    r.countCase();
    if (!r.judge(own, isNotError(own, errorForFault('ipNotAllowed')).map((v) => ({ ...v, message: `a whitelist of ${caller}, the caller's own address, did not let it in: ${v.message}` })))) return;
    for (const [i, ip] of nearMissAddresses(caller).entries()) {
      const exchange = await read([ip], i + 1);
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('ipNotAllowed')).map((v) => ({ ...v, message: `a whitelist of ${ip} let ${caller} in: ${v.message}` })));
    }
  });

  rule('IP-SPOOF', async (r) => {
    const allowedIp = r.session.config.ipRestrictedAllowedIp!;
    await fixtureKeyProperty(r, r.session.config.keys.ipRestricted!, 'ipNotAllowed', { headers: spoofedForwardingHeaders(allowedIp) });
  });
});

