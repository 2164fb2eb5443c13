// Response extras: what another target adds to the documented answers (error.status, run fields,
// headers), applied to the pipeline's answer when the emulator's choices ask for them (a requestId or
// error.type are the envelopeExtras choice, choice-steps.ts). At the defaults the answer is as it was.
import type { Answer, Ctx } from './pipeline.ts';
import type { OpenChoices } from '../contract/emulator-choices.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function responseExtras(settings: OpenChoices): (answer: Answer, ctx: Ctx) => Answer {
  return (answer, ctx) => {
    let { body, headers } = answer;
    if (settings.errorStatusField && answer.status >= 400 && isPlainObject(body) && isPlainObject(body.error)) body = { ...body, error: { ...body.error, status: answer.status } };
    if (answer.status < 300 && isPlainObject(body)) {
      let run = body;
      const created = settings.createdAtOnCreate && !('createdAt' in run) && typeof run.id === 'string' ? ctx.state.run(run.id) : undefined;
      if (created) run = { ...run, createdAt: new Date(created.createdAt).toISOString() };
      if (settings.runObjectField) run = { object: 'run', ...run };
      body = run;
    }
    if (settings.retryAfterOn429 && ctx.retryAfterMs !== undefined) headers = { ...headers, 'retry-after': String(Math.max(1, Math.ceil(ctx.retryAfterMs / 1000))) };
    return body === answer.body && headers === answer.headers ? answer : { ...answer, body, ...(headers ? { headers } : {}) };
  };
}
