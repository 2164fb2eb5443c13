// Response extras: what another target adds to the documented answers (envelope fields, run fields,
// headers), applied to the pipeline's answer when the emulator's choices ask for them. The faithful
// answer is left as it is at the defaults.
import type { Answer, Ctx } from './pipeline.ts';
import type { ChoiceSettings } from './choice-settings.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The extras for one emulator: `requestId`s count up from its start. */
export function responseExtras(settings: ChoiceSettings): (answer: Answer, ctx: Ctx) => Answer {
  let requests = 0;
  return (answer, ctx) => {
    let { body, headers } = answer;
    if (answer.status >= 400 && isPlainObject(body) && isPlainObject(body.error)) {
      if (settings.errorStatusField === true) body = { ...body, error: { ...body.error, status: answer.status } };
      if (settings.requestIdField === true) body = { ...(body as object), requestId: `req_${String(++requests).padStart(8, '0')}` };
    }
    if (answer.status < 300 && isPlainObject(body)) {
      let run = body;
      if (settings.createdAtOnCreate === true && ctx.run && !('createdAt' in run)) run = { ...run, createdAt: new Date(ctx.run.createdAt).toISOString() };
      if (settings.runObjectField === true) run = { object: 'run', ...run };
      body = run;
    }
    if (settings.retryAfterOn429 === true && ctx.retryAfterMs !== undefined) headers = { ...headers, 'retry-after': String(Math.max(1, Math.ceil(ctx.retryAfterMs / 1000))) };
    return body === answer.body && headers === answer.headers ? answer : { ...answer, body, ...(headers ? { headers } : {}) };
  };
}
