// The emulator under other answers to the points the docs leave open (contracts/emulator.json
// "choices"): each non-default value swaps a named step of the table for its variant, the way another
// faithful implementation would have written that step. The default values leave the table as it is.
import { randomUUID } from 'node:crypto';
import { contract } from '../contract/index.ts';
import { choices, defaultChoices, type OpenChoices } from '../contract/emulator-choices.ts';
import { faultAnswer, steps, stepsInOrder, undocumentedAnswer, type Answer, type Step } from './pipeline.ts';

type StepName = keyof typeof steps;
type Variant = (base: Step) => Step['run'];

const { prefix, scheme } = contract.limits.keys;
const errors = choices.undocumentedErrors;

/** Authorization: the scheme exactly `Bearer` and one space (sensitive), and what a token without `sk-` is. */
function authFormat(c: OpenChoices): Variant {
  const schemeRe = c.bearerCase === 'sensitive' ? new RegExp(`^${scheme} (\\S+)$`) : new RegExp(`^${scheme}[ \\t]+(\\S+)$`, 'i');
  return () => (ctx) => {
    const header = ctx.call.headers.authorization;
    if (header === undefined) return faultAnswer('noAuth');
    const token = (c.bearerCase === 'sensitive' ? header : header.trim()).match(schemeRe)?.[1];
    if (token === undefined) return faultAnswer('malformedAuth');
    if (token.startsWith(prefix) && token.length > prefix.length) { ctx.token = token; return undefined; }
    // "sk-" alone is a key of the right format with nothing in it: wrong format under either reading.
    return c.noSkPrefix === 'invalid_api_key' && !token.startsWith(prefix) ? faultAnswer('unknownKey') : faultAnswer('malformedAuth');
  };
}

const withStatus = (a: Answer | undefined, status: number) => a && { ...a, status };

/** The variants each choice's non-default values select, by the step they replace. */
function variants(c: OpenChoices): Partial<Record<StepName, Variant>> {
  const d = defaultChoices();
  const out: Partial<Record<StepName, Variant>> = {};
  if (c.bearerCase !== d.bearerCase || c.noSkPrefix !== d.noSkPrefix) out.authFormat = authFormat(c);
  if (c.unknownRouteStatus !== d.unknownRouteStatus) out.route = (base) => (ctx) => withStatus(base.run(ctx), c.unknownRouteStatus);
  if (c.wrongMethod !== d.wrongMethod) {
    // Not 405: the path is answered as if no route had it (no Allow header).
    out.method = (base) => (ctx) => (base.run(ctx) ? withStatus(undocumentedAnswer(errors.routeNotFound), c.wrongMethod) : undefined);
  }
  if (c.contentType !== d.contentType) {
    const type = c.contentType;
    out.contentType = (base) => (ctx) => (type === 'lenient' ? undefined : base.run(ctx) && withStatus(undocumentedAnswer(errors.unsupportedMediaType), typeof type === 'number' ? type : errors.unsupportedMediaType.status));
  }
  if (c.runIdFormat === 'uuid') {
    out.create = (base) => (ctx) => {
      const run = ctx.state.createRun(ctx.key!, ctx.model!.id, ctx.cost!, { id: `${contract.limits.runs.idPrefix}${randomUUID()}`, createdAt: ctx.state.clock.now() });
      // The faithful create's answer, for the run made here with the other id.
      return base.run({ ...ctx, state: { ...ctx.state, createRun: () => run } });
    };
  }
  if (c.runVisibility === 'key') {
    out.lookupRun = (base) => (ctx) => {
      const run = ctx.state.run(ctx.runId!);
      return run && run.key !== ctx.key!.key ? faultAnswer('unknownRun') : base.run(ctx);
    };
  }
  if (c.balanceEqualCost === 'refused' || c.spendCap === 'blocks-crossing') {
    out.balance = (base) => (ctx) => {
      const answer = base.run(ctx);
      if (answer) return answer;
      const cost = ctx.cost!;
      if (c.balanceEqualCost === 'refused' && ctx.state.balance(ctx.key!.accountId) === cost) return faultAnswer('lowBalance');
      const { spendLimitCents, spentMicroUsd } = ctx.key!;
      if (c.spendCap === 'blocks-crossing' && spendLimitCents !== null && spentMicroUsd + cost > spendLimitCents * contract.limits.money.microUsdPerCent) return faultAnswer('spendReached');
      return undefined;
    };
  }
  return out;
}

/** Extra fields on every error answer: a request id beside `error`, or a `type` inside it. */
function withEnvelopeExtras(answer: Answer, extras: OpenChoices['envelopeExtras']): Answer {
  const body = answer.body as { error?: Record<string, unknown> } | null;
  if (extras === 'none' || typeof body !== 'object' || body === null || typeof body.error !== 'object') return answer;
  const error = body.error;
  if (extras === 'top-level') return { ...answer, body: { ...body, requestId: `req_${randomUUID()}` } };
  return { ...answer, body: { ...body, error: { ...error, type: answer.status >= 500 ? 'api_error' : 'invalid_request_error' } } };
}

/**
 * `base` (the faithful table, or a deviant's) reordered to the chosen precedence and with each
 * non-default choice's step variant swapped in. With every choice at its default, `base` unchanged.
 */
export function tableForChoices(c: OpenChoices, base: readonly Step[]): Step[] {
  const d = defaultChoices();
  const order = JSON.stringify(c.precedence) === JSON.stringify(d.precedence) ? base.map((s) => s.name) : stepsInOrder(c.precedence).map((s) => s.name);
  const swaps = variants(c);
  return order.map((name) => {
    const step = base.find((s) => s.name === name)!;
    const variant = swaps[name as StepName];
    const swapped = variant ? { ...step, run: variant(step) } : step;
    return c.envelopeExtras === d.envelopeExtras ? swapped : { ...swapped, run: (ctx) => { const a = swapped.run(ctx); return a && withEnvelopeExtras(a, c.envelopeExtras); } };
  });
}

/** The body size the public server reads before answering 413, under the body-limit choice. */
export const bodyLimitFor = (c: OpenChoices): number => (c.bodyLimit === 'none' ? choices.drainLimitBytes : choices.bodyLimitBytes);
