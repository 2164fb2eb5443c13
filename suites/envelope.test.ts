// The envelope rules judge every error answer of the run (they run last: src/runner/sequencer.ts),
// plus one probe of each documented error this target's fixtures can reach, so they also stand alone.
import { describe } from 'vitest';
import { contract, type FaultName } from '../src/contract/index.ts';
import { rule, configuredModel, type RuleRun } from '../src/conformance/rule.ts';
import { absentRunId, createRun, readRun } from '../src/conformance/requests.ts';
import type { LoggedExchange, RequestSpec } from '../src/conformance/session.ts';
import { documentedSurface, judgeLog } from '../src/conformance/aggregate.ts';
import { envelopeChecks, extraEnvelopeFields, hasDocumentedErrorStatus } from '../src/oracles/envelope.ts';
import { noSecretEcho } from '../src/oracles/secrets.ts';

/** One request per documented error that needs no billable create; fixture keys where configured. */
function probes(r: RuleRun): { fault: FaultName; spec: RequestSpec }[] {
  const { keys } = r.session.config;
  const model = configuredModel(r.session);
  const valid = { model: model.id, input: { prompt: 'a lighthouse at dusk' } };
  const get = (key: string) => readRun(absentRunId(r.rule.id), { kind: 'key', key });
  const list: ({ fault: FaultName; spec: RequestSpec } | undefined)[] = [
    { fault: 'notJson', spec: createRun('{"model": ') },
    { fault: 'modelMissing', spec: createRun({ input: valid.input }) },
    { fault: 'inputMissing', spec: createRun({ model: model.id }) },
    { fault: 'unknownModel', spec: createRun({ model: `${model.id}-does-not-exist`, input: valid.input }) },
    { fault: 'schemaViolation', spec: createRun({ model: model.id, input: {} }) },
    { fault: 'noAuth', spec: readRun(absentRunId(r.rule.id), { kind: 'header', value: null }) },
    { fault: 'unknownKey', spec: readRun(absentRunId(r.rule.id), { kind: 'header', value: `${contract.limits.keys.scheme} ${contract.limits.keys.prefix}conformanceprobe0000000000` }) },
    { fault: 'unknownRun', spec: readRun(absentRunId(r.rule.id)) },
    keys.disabled ? { fault: 'disabledKey', spec: get(keys.disabled) } : undefined,
    keys.expired ? { fault: 'expiredKey', spec: get(keys.expired) } : undefined,
    keys.lowBalance ? { fault: 'lowBalance', spec: createRun(valid, { kind: 'key', key: keys.lowBalance }) } : undefined,
    keys.ipRestricted ? { fault: 'ipNotAllowed', spec: get(keys.ipRestricted) } : undefined,
    keys.quotaExhausted ? { fault: 'quotaExhausted', spec: get(keys.quotaExhausted) } : undefined,
    keys.spent && r.session.config.allowBillable ? { fault: 'spendReached', spec: createRun(valid, { kind: 'key', key: keys.spent }) } : undefined,
  ];
  return list.filter((p) => p !== undefined);
}

/** A throttled probe is counted as inconclusive; the rule still judges every exchange of the log. */
async function sendProbes(r: RuleRun): Promise<void> {
  for (const { spec } of probes(r)) await r.trySend(spec);
}

const isErrorAnswer = (entry: LoggedExchange) => hasDocumentedErrorStatus(entry.exchange);

function envelopeRule(id: keyof typeof envelopeChecks) {
  rule(id, async (r) => {
    await sendProbes(r);
    const check = envelopeChecks[id]!;
    judgeLog(r, documentedSurface(r.session.log), (entry) => check(entry.exchange), isErrorAnswer);
  });
}

describe('error envelope', () => {
  envelopeRule('ENV-SHAPE');
  envelopeRule('ENV-CODE-STATUS');
  envelopeRule('ENV-CONTENT-TYPE');
  envelopeRule('ENV-MESSAGE');

  rule('ENV-EXTRA-FIELDS', async (r) => {
    await sendProbes(r);
    const tally = new Map<string, number>();
    const answers = documentedSurface(r.session.log).filter(isErrorAnswer);
    for (const { exchange } of answers) {
      for (const field of extraEnvelopeFields(exchange)) tally.set(field, (tally.get(field) ?? 0) + 1);
    }
    r.countCase(answers.length);
    r.observe('extra fields (field → answers carrying it)', Object.fromEntries([...tally].sort()));
  });

  rule('SEC-NO-SECRET-ECHO', async (r) => {
    await sendProbes(r);
    judgeLog(r, r.session.log, (entry) => noSecretEcho(entry.exchange, entry.sentToken), (entry) => entry.sentToken !== undefined);
  });
});
