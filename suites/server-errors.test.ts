// 5xx and robustness. SRV-NO-5XX and SRV-500-SHAPE judge every exchange of the run, so this file runs
// after the rule families that send most requests (src/runner/sequencer.ts).
import fc from 'fast-check';
import { describe } from 'vitest';
import { contract } from '../src/contract/index.ts';
import { rule, type RuleRun } from '../src/conformance/rule.ts';
import { createRun, runPath, runsPath, absentRunId } from '../src/conformance/requests.ts';
import { judgeLog } from '../src/conformance/aggregate.ts';
import { describeAnswer } from '../src/oracles/error-answer.ts';
import { documentedCreateAnswer, no5xx, serverErrorShape } from '../src/oracles/server.ts';
import { hostileBody, hostileBodyCatalogue, nonBillableModelId, undecodableRunPaths } from '../src/generators/index.ts';
import { sendProbe } from '../src/conformance/patterns.ts';

/** A body that could be a billable create: a known model and an object input with a string prompt. */
function couldCreateRun(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { model?: unknown; input?: { prompt?: unknown } };
    return contract.models.models.some((m) => m.id === parsed?.model) && typeof parsed?.input?.prompt === 'string';
  } catch {
    return false;
  }
}

function observeAnswers(r: RuleRun, label: string, exchanges: { name: string; exchange: Parameters<RuleRun['observe']>[2] }[]) {
  for (const { name, exchange } of exchanges) r.observe(`${label} ${name}`, exchange ? describeAnswer(exchange) : 'not sent', exchange);
}

describe('server errors and robustness', () => {
  rule('SRV-NO-5XX', async (r) => {
    // Without billable requests the hostile bodies name a model no target has, so every shape of the
    // catalogue is still sent and none can create a run, whatever the target does with the rest.
    const models = contract.models.models;
    const billable = r.session.config.allowBillable;
    const named = billable ? models : [{ ...models[0]!, id: nonBillableModelId(models) }];
    // One body of each hostile class every run, whatever RUNBASE_RUNS; random ones on top.
    const catalogue = hostileBodyCatalogue(nonBillableModelId(models));
    const cases = [...catalogue, ...fc.sample(hostileBody(named), { seed: r.session.config.seed, numRuns: Math.min(r.session.config.runs, 30) })];
    for (const { body } of cases) {
      if (!billable && typeof body === 'string' && couldCreateRun(body)) throw new Error('a hostile body names a real model although billable requests are off');
      // Each is held to a documented answer of its own; the log (every rule's exchanges) to no 5xx.
      const exchange = await sendProbe(r, createRun(body));
      if (exchange) r.judge(exchange, documentedCreateAnswer(exchange, billable));
    }
    // Run ids that do not decode to UTF-8: any answer but a 5xx; no answer at all fails this rule (sendProbe).
    for (const path of undecodableRunPaths(runsPath())) {
      const exchange = await sendProbe(r, { method: 'GET', path, auth: { kind: 'pool' }, undocumentedSurface: true });
      if (exchange) { r.judge(exchange, no5xx(exchange)); r.observe(`GET ${path}`, describeAnswer(exchange), exchange); }
    }
    judgeLog(r, r.session.log, (entry) => no5xx(entry.exchange));
  });

  rule('SRV-500-SHAPE', async (r) => {
    const fives = r.session.log.filter((e) => e.exchange.response.status === 500);
    judgeLog(r, fives, (entry) => serverErrorShape(entry.exchange));
  });

  rule('SRV-UNKNOWN-ROUTE', async (r) => {
    const id = absentRunId(r.rule.id, r.session.config.seed);
    const paths = ['/', '/run', '/runz', `${runsPath()}/${encodeURIComponent(id)}/output`, '/models', `${runsPath().toUpperCase()}`, '/v0/runs'];
    for (const path of paths) {
      const exchange = await r.send({ method: 'GET', path, auth: { kind: 'pool' }, undocumentedSurface: true });
      r.countCase();
      r.observe(`GET ${path}`, describeAnswer(exchange), exchange);
    }
  });

  rule('SRV-METHOD', async (r) => {
    const id = absentRunId(r.rule.id, r.session.config.seed);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      for (const path of [runsPath(), runPath(id)]) {
        const exchange = await r.send({ method, path, auth: { kind: 'pool' }, body: '{}', undocumentedSurface: true });
        r.countCase();
        r.observe(`${method} ${path.replace(id, ':id')}`, { answer: describeAnswer(exchange), allow: exchange.response.headers.allow ?? null }, exchange);
      }
    }
  });

  rule('SRV-BODY-LIMIT', async (r) => {
    // An unknown model, so a target that accepts the size still creates nothing billable.
    const model = nonBillableModelId(contract.models.models);
    for (const [name, bytes] of [['1 MB', 1_000_000], ['10 MB', 10_000_000]] as const) {
      const head = JSON.stringify({ model, input: { prompt: '' } }).slice(0, -3);
      const body = `${head}${'x'.repeat(bytes - head.length - 3)}"}}`;
      const exchange = await r.send(createRun(body, { kind: 'pool' }, { undocumentedSurface: true }));
      r.countCase();
      observeAnswers(r, 'body of', [{ name, exchange }]);
    }
  });
});
