// 402 / 403 — money and access.
import { describe } from 'vitest';
import { rule, configuredModel } from '../src/conformance/rule.ts';
import { absentRunId, createRun, expectedFor, readRun } from '../src/conformance/requests.ts';
import { fixtureKeyProperty } from '../src/conformance/patterns.ts';
import { describeAnswer, isOneOfErrors } from '../src/oracles/error-answer.ts';
import { validInput, spoofedForwardingHeaders } from '../src/generators/index.ts';
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
    const exchange = await r.send(readRun(absentRunId(r.rule.id), { kind: 'key', key: r.session.config.keys.spent! }));
    r.countCase();
    r.observe('GET with a key at its spend cap', describeAnswer(exchange), exchange);
  });

  rule('IP-NOT-ALLOWED', async (r) => {
    await fixtureKeyProperty(r, r.session.config.keys.ipRestricted!, 'ipNotAllowed');
  });

  rule('IP-SPOOF', async (r) => {
    const allowedIp = r.session.config.ipRestrictedAllowedIp!;
    await fixtureKeyProperty(r, r.session.config.keys.ipRestricted!, 'ipNotAllowed', { headers: spoofedForwardingHeaders(allowedIp) });
  });
});

