// The envelope rules judge every error answer of the run (they run last: src/runner/sequencer.ts),
// plus one probe of each documented error this target's fixtures can reach, so they also stand alone.
import { describe } from 'vitest';
import type { FaultName } from '../src/contract/index.ts';
import { rule, configuredModel, type RuleRun } from '../src/conformance/rule.ts';
import { absentRunId, createRun, expectedFor, readRun } from '../src/conformance/requests.ts';
import { isOneOfErrors } from '../src/oracles/error-answer.ts';
import type { Auth, LoggedExchange, RequestSpec } from '../src/conformance/session.ts';
import { documentedErrorRequests, probeFailure } from '../src/conformance/documented-errors.ts';
import { keyForFixture } from '../src/conformance/fixtures.ts';
import { documentedSurface, judgeLog } from '../src/conformance/aggregate.ts';
import { envelopeChecks, extraEnvelopeFields, hasDocumentedErrorStatus } from '../src/oracles/envelope.ts';
import { noSecretEcho } from '../src/oracles/secrets.ts';

/** One request per documented error (src/conformance/documented-errors.ts) this target's fixtures reach. */
function probes(r: RuleRun): { fault: FaultName; spec: RequestSpec }[] {
  const { config } = r.session;
  return documentedErrorRequests(configuredModel(r.session).id, config.seed).flatMap((p) => {
    if (p.billable && !config.allowBillable) return [];
    let auth: Auth;
    if (p.header !== undefined) auth = { kind: 'header', value: p.header };
    else if (p.fixture === null) auth = { kind: 'header', value: null };
    else if (p.fixture === 'apiKeys') auth = { kind: 'pool' };
    else {
      const key = keyForFixture(config, p.fixture);
      if (!key) return [];
      auth = { kind: 'key', key };
    }
    const spec = p.endpoint === 'createRun' ? createRun(p.body, auth) : readRun(absentRunId(r.rule.id, r.session.config.seed), auth);
    return [{ fault: p.fault, spec }];
  });
}

/** Each probe is held to the documented error it was sent to provoke (a target answering anything
 * else fails here, whatever the log holds); a throttled probe is counted as inconclusive. */
async function sendProbes(r: RuleRun): Promise<void> {
  for (const { fault, spec } of probes(r)) {
    const exchange = await r.trySend(spec);
    if (!exchange) continue;
    r.countCase();
    r.judge(exchange, isOneOfErrors(exchange, expectedFor(fault)).map((v) => ({ ...v, message: probeFailure(fault, v.message) })));
  }
}

const isErrorAnswer = (entry: LoggedExchange) => hasDocumentedErrorStatus(entry.exchange);

/** `applies`: the answers the rule judges (error answers, unless said otherwise). */
function envelopeRule(id: keyof typeof envelopeChecks, applies: (entry: LoggedExchange) => boolean = isErrorAnswer) {
  rule(id, async (r) => {
    await sendProbes(r);
    const check = envelopeChecks[id]!;
    judgeLog(r, documentedSurface(r.session.log), (entry) => check(entry.exchange), applies);
  });
}

describe('error envelope', () => {
  envelopeRule('ENV-SHAPE');
  envelopeRule('ENV-CODE-STATUS');
  envelopeRule('ENV-CONTENT-TYPE');
  envelopeRule('ENV-MESSAGE');
  envelopeRule('ENV-DUPLICATE-KEYS', () => true);

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
