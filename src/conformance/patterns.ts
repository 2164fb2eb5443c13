// Rule shapes that several families share: "this auth on both endpoints", "this fixture key".
import fc from 'fast-check';
import type { FaultName } from '../contract/index.ts';
import { isOneOfErrors } from '../oracles/error-answer.ts';
import { violation, type Violation } from '../oracles/types.ts';
import { TargetError, type Exchange } from '../contract/exchange.ts';
import { validInput } from '../generators/index.ts';
import { configuredModel, type RuleRun } from './rule.ts';
import { absentRunId, createRun, expectedFor, readRun } from './requests.ts';
import type { Auth, RequestSpec } from './session.ts';

export type Endpoint = 'create' | 'read';

/** A request to `endpoint` that would succeed but for its auth (and `headers`). */
export function onEndpoint(r: RuleRun, endpoint: Endpoint, auth: Auth, input: Record<string, unknown>, headers?: Record<string, string>): RequestSpec {
  const model = configuredModel(r.session);
  const extra = headers ? { headers } : {};
  return endpoint === 'create' ? createRun({ model: model.id, input }, auth, extra) : readRun(absentRunId(r.rule.id, r.session.config.seed), auth, extra);
}

/** A property over both endpoints: `header` gives the Authorization value (null = none) for a case. */
export async function authProperty(r: RuleRun, header: fc.Arbitrary<string | null>, fault: FaultName, ...readings: FaultName[]): Promise<void> {
  const model = configuredModel(r.session);
  const cases = fc.record({ endpoint: fc.constantFrom<Endpoint>('create', 'read'), header, input: validInput(model) });
  await r.forAll(cases, async ({ endpoint, header, input }) =>
    isOneOfErrors(await r.send(onEndpoint(r, endpoint, { kind: 'header', value: header }, input)), expectedFor(fault, ...readings)));
}

/** The endpoints a fixture key may be sent to: POST only when billable requests are allowed,
 * because a target that failed the rule could charge the create. */
export function fixtureEndpoints(r: RuleRun): Endpoint[] {
  if (r.session.config.allowBillable) return ['read', 'create'];
  // A target that failed this rule could bill the POST cases.
  r.partly('GET only; POST needs RUNBASE_ALLOW_BILLABLE=1');
  return ['read'];
}

/** Requests with a fixture key on each endpoint must all get `fault`'s error; every endpoint gets its
 * share of the cases, so a POST is never left out by chance. */
export async function fixtureKeyProperty(
  r: RuleRun, key: string, fault: FaultName,
  opts: { headers?: fc.Arbitrary<Record<string, string>>; endpoints?: Endpoint[] } = {},
): Promise<void> {
  const model = configuredModel(r.session);
  const endpoints = opts.endpoints ?? fixtureEndpoints(r);
  const numRuns = Math.ceil(Math.min(r.session.config.runs, 10) / endpoints.length);
  for (const endpoint of endpoints) {
    const cases = fc.record({ input: validInput(model), headers: opts.headers ?? fc.constant(undefined) });
    await r.forAll(cases, async ({ input, headers }): Promise<Violation[]> =>
      isOneOfErrors(await r.send(onEndpoint(r, endpoint, { kind: 'key', key }, input, headers)), expectedFor(fault)),
    { numRuns });
  }
}

/**
 * Send a probe the target may fail to answer at all (a reset, a timeout): that is this rule's failure,
 * naming the request, and the run goes on. Undefined when there was no answer (or only an inconclusive one).
 */
export async function sendProbe(r: RuleRun, spec: RequestSpec): Promise<Exchange | undefined> {
  try {
    return await r.trySend({ ...spec, survivesTargetError: true });
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    r.countCase();
    r.judge(undefined, violation('answered', `no HTTP answer to ${spec.method} ${spec.path}: ${error.message}`, 'an HTTP answer (a documented error, never a reset)', error.message));
    return undefined;
  }
}
