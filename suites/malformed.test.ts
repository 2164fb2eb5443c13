// 400 — malformed requests, with a valid key and a fresh rate budget.
import fc from 'fast-check';
import { describe } from 'vitest';
import { contract } from '../src/contract/index.ts';
import { rule, configuredModel } from '../src/conformance/rule.ts';
import { authOf, createRun, expectedFor } from '../src/conformance/requests.ts';
import { isOneOfErrors, describeAnswer, matchingError } from '../src/oracles/error-answer.ts';
import {
  malformedJsonBody, missingModelBody, notObjectBody, missingInputBody, inputArrayBody, unknownModelBody,
  modelCaseVariant, invalidInputBody, inputWithUnknownField, validInput, multiFaultRequest,
  notJsonCatalogue, validJsonFormsCatalogue, unusualValidJson, nonBillableModelId,
} from '../src/generators/index.ts';

const models = contract.models.models;

describe('malformed requests', () => {
  rule('BR-INVALID-JSON', async (r) => {
    // One body of each class every run (a model no one has: nothing billable even if read), then random ones.
    for (const { body } of notJsonCatalogue(nonBillableModelId(models))) {
      const exchange = await r.send(createRun(body));
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('notJson')));
    }
    await r.forAll(malformedJsonBody(models), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('notJson')));
  });

  rule('BR-VALID-JSON', async (r) => {
    // Valid JSON in every legal form, naming a model no one has: its one fault is model_not_found.
    const model = nonBillableModelId(models);
    for (const { body, contentType } of validJsonFormsCatalogue(model)) {
      const exchange = await r.send(createRun(body, { kind: 'pool' }, contentType ? { contentType } : {}));
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('unknownModel')));
    }
    await r.forAll(unusualValidJson(model), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('unknownModel')));
  });

  rule('BR-EMPTY-BODY', async (r) => {
    for (const body of ['', ' ', '\n']) {
      const exchange = await r.send(createRun(body));
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('emptyBody')));
    }
  });

  rule('BR-MISSING-MODEL', async (r) => {
    await r.forAll(missingModelBody(models), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('modelMissing')));
  });

  rule('BR-NOT-OBJECT', async (r) => {
    await r.forAll(notObjectBody(), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('notObject')));
  });

  rule('BR-MISSING-INPUT', async (r) => {
    await r.forAll(missingInputBody(models), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('inputMissing')));
  });

  rule('BR-INPUT-ARRAY', async (r) => {
    await r.forAll(inputArrayBody(models), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('inputArray')));
  });

  rule('BR-MODEL-NOT-FOUND', async (r) => {
    await r.forAll(unknownModelBody(models), async (body) => isOneOfErrors(await r.send(createRun(body)), expectedFor('unknownModel')));
  });

  rule('BR-MODEL-CASE', async (r) => {
    // The input lacks its required prompt, so no run is created whichever way the target reads the
    // model: invalid_input means the case-changed id was recognised, model_not_found that it was not.
    const variants = fc.sample(modelCaseVariant(models), { seed: r.session.config.seed, numRuns: 6 });
    for (const model of new Set(variants)) {
      const exchange = await r.send(createRun({ model, input: {} }));
      r.countCase();
      const won = matchingError(exchange, expectedFor('unknownModel', 'schemaViolation'));
      r.observe(model, { answer: describeAnswer(exchange), reading: won?.code === 'invalid_input' ? 'recognised (case-insensitive)' : won ? 'unknown (case-sensitive)' : 'other' }, exchange);
    }
  });

  rule('BR-INVALID-INPUT', async (r) => {
    await r.forAll(invalidInputBody(models), async ({ body }) => isOneOfErrors(await r.send(createRun(body)), expectedFor('schemaViolation')), {
      numRuns: r.session.config.runs * 2,
    });
  });

  rule('BR-UNKNOWN-INPUT-FIELD', async (r) => {
    const model = configuredModel(r.session);
    const inputs = fc.sample(inputWithUnknownField(model), { seed: r.session.config.seed, numRuns: 3 });
    for (const input of inputs) {
      const exchange = await r.send(createRun({ model: model.id, input }));
      r.countCase();
      r.observe('extra input field', describeAnswer(exchange), exchange);
    }
  });

  rule('BR-NO-CONTENT-TYPE', async (r) => {
    const model = configuredModel(r.session);
    const [input] = fc.sample(validInput(model), { seed: r.session.config.seed, numRuns: 1 });
    for (const contentType of [null, 'text/plain']) {
      const exchange = await r.send(createRun({ model: model.id, input }, { kind: 'pool' }, { contentType }));
      r.countCase();
      r.observe(contentType === null ? 'no Content-Type' : `Content-Type: ${contentType}`, describeAnswer(exchange), exchange);
    }
  });

  rule('FAULT-ONE-OF', async (r) => {
    const known = [...r.session.secrets.keys()];
    await r.forAll(multiFaultRequest(models, known), async (parts) => {
      const exchange = await r.send(createRun(parts.body ?? '', authOf(parts.authorization), {
        ...(parts.contentType !== undefined ? { contentType: parts.contentType } : {}),
      }));
      return isOneOfErrors(exchange, expectedFor(...parts.faults));
    });
  });

  rule('FAULT-PRECEDENCE', async (r) => {
    const known = [...r.session.secrets.keys()];
    const wins = new Map<string, number>();
    const cases = fc.sample(multiFaultRequest(models, known), { seed: r.session.config.seed, numRuns: Math.min(r.session.config.runs, 20) });
    for (const parts of cases) {
      const exchange = await r.send(createRun(parts.body ?? '', authOf(parts.authorization)));
      r.countCase();
      const won = matchingError(exchange, expectedFor(...parts.faults));
      const key = `${parts.faults.join(' + ')} → ${won ? won.code : describeAnswer(exchange)}`;
      wins.set(key, (wins.get(key) ?? 0) + 1);
    }
    for (const [pair, count] of [...wins].sort()) r.observe(pair, count);
  });
});
