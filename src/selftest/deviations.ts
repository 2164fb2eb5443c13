// Deliberately broken emulators, for proving the suite's verdicts (npm run test:self, reports/mutation.*).
// Each deviation is the faithful step table with a step replaced or its answers rewritten, and names
// what must notice it: the gate rules that must fail, the warn rules that must warn, or the observe
// rules whose record must change. The faithful emulator's request path has no switches.
import { posix } from 'node:path';
import { contract, errorByCode, errorForFault } from '../contract/index.ts';
import { faithfulSteps, steps, errorAnswer, type Answer, type Ctx, type Step } from '../emulator/index.ts';
import { runView, undocumentedAnswer } from '../emulator/pipeline.ts';
import { choices } from '../contract/emulator-choices.ts';
import { createRateLimiter } from '../emulator/rate-limit.ts';
import { normaliseIp } from '../emulator/state.ts';

export interface Deviation {
  name: string;
  family: string;
  description: string;
  /** gate: `caughtBy` must fail; warn: `caughtBy` must warn and no gate fail; observe: their records must change. */
  level: 'gate' | 'warn' | 'observe';
  caughtBy: string[];
  /** Gate rules that may fail too, as a consequence (e.g. the fault-precedence rule, or the Pact twin). */
  alsoMayFail?: string[] | 'any';
  steps: () => Step[];
}

type Rewrite = (answer: Answer, ctx: Ctx) => Answer;

/** The faithful table with the step `name` swapped for `replacement`. */
export function replaceStep(name: keyof typeof steps, replacement: Step['run']): Step[] {
  return faithfulSteps.map((s) => (s.name === name ? { ...s, run: replacement } : s));
}

/** The faithful table with the answers of step `name` (or of every step) rewritten. */
export function rewrite(name: keyof typeof steps | '*', fn: Rewrite): Step[] {
  return faithfulSteps.map((s) => (name === '*' || s.name === name ? { ...s, run: (ctx) => { const a = s.run(ctx); return a && fn(a, ctx); } } : s));
}

const errorOf = (a: Answer) => (a.body as { error?: { message: string; code: string } }).error;
const withError = (a: Answer, patch: Partial<{ message: string; code: string }>, status = a.status): Answer => ({ ...a, status, body: { error: { ...errorOf(a)!, ...patch } } });
const codeIs = (a: Answer, code: string) => errorOf(a)?.code === code;
const rateLimitedAnswer = () => errorAnswer(errorForFault('rateLimited').code);

/** The rate-limit step with a limiter of other settings; `keyOf` chooses what shares a budget. */
function limiter(opts: { requests?: number; windowMs?: number; keyOf?: (ctx: Ctx) => string }): Step[] {
  const l = createRateLimiter({ requests: opts.requests ?? contract.limits.rateLimit.requests, windowMs: opts.windowMs ?? contract.limits.rateLimit.windowSeconds * 1000 });
  const keyOf = opts.keyOf ?? ((ctx: Ctx) => ctx.key!.key);
  return replaceStep('rateLimit', (ctx) => (l.admit(keyOf(ctx), ctx.state.clock.now()) ? undefined : errorAnswer('RATE_LIMITED')));
}

const RUN_RULES = ['RUN-READ', 'RUN-SUCCEEDED', 'RUN-CHARGE-REFUND', 'RUN-OTHER-ACCOUNT', 'RUN-OTHER-KEY-SAME-ACCOUNT', 'PACT-READ-RUN'];

export const deviations: Deviation[] = [
  // envelope
  { name: 'envelope-flattened', family: 'envelope', level: 'gate', description: 'errors come as {message, code} without the "error" object', caughtBy: ['ENV-SHAPE'], alsoMayFail: 'any',
    steps: () => rewrite('*', (a) => (errorOf(a) ? { ...a, body: errorOf(a) } : a)) },
  { name: 'envelope-missing-message', family: 'envelope', level: 'gate', description: 'invalid_input has no message', caughtBy: ['ENV-SHAPE', 'BR-INVALID-INPUT', 'PACT-INVALID-INPUT'], alsoMayFail: ['FAULT-ONE-OF', 'SRV-NO-5XX'],
    steps: () => rewrite('schema', (a) => ({ ...a, body: { error: { code: errorOf(a)!.code } } })) },
  { name: 'code-wrong-case', family: 'envelope', level: 'gate', description: 'missing_api_key in upper case', caughtBy: ['AUTH-MISSING', 'AUTH-WRONG-SCHEME', 'ENV-CODE-STATUS', 'PACT-MISSING-API-KEY'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('authFormat', (a) => withError(a, { code: 'MISSING_API_KEY' })) },
  { name: 'right-code-wrong-status', family: 'envelope', level: 'gate', description: 'ip_not_allowed with status 401', caughtBy: ['IP-NOT-ALLOWED', 'IP-SPOOF', 'ENV-CODE-STATUS', 'PACT-IP-NOT-ALLOWED'],
    steps: () => rewrite('ipWhitelist', (a) => withError(a, {}, errorByCode('invalid_api_key').status)) },
  { name: 'key-echoed-in-message', family: 'envelope', level: 'gate', description: 'invalid_api_key names the key it refused', caughtBy: ['SEC-NO-SECRET-ECHO'],
    steps: () => rewrite('keyActive', (a, ctx) => withError(a, { message: `The API key ${ctx.token} is invalid, disabled, or expired.` })) },
  { name: 'message-is-code', family: 'envelope', level: 'warn', description: 'invalid_json says only "invalid_json"', caughtBy: ['ENV-MESSAGE'],
    steps: () => rewrite('body', (a) => (codeIs(a, 'invalid_json') ? withError(a, { message: 'invalid_json' }) : a)) },
  { name: 'extra-envelope-fields', family: 'envelope', level: 'observe', description: 'every error carries a requestId beside "error"', caughtBy: ['ENV-EXTRA-FIELDS'],
    steps: () => rewrite('*', (a) => (errorOf(a) ? { ...a, body: { ...(a.body as object), requestId: 'req_1' } } : a)) },

  // malformed
  { name: 'invalid-utf8-500', family: 'malformed', level: 'gate', description: 'a 500 for invalid UTF-8 only (one family of malformed JSON)', caughtBy: ['BR-INVALID-JSON', 'SRV-NO-5XX'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('body', (ctx) => {
      if (ctx.call.body !== 'too-large') {
        try { new TextDecoder('utf-8', { fatal: true }).decode(ctx.call.body); } catch { return { status: 500, body: { error: { message: 'Internal error', code: 'internal' } } }; }
      }
      return steps.body.run(ctx);
    }) },
  { name: 'tab-whitespace-rejected', family: 'malformed', level: 'gate', description: 'a TAB between tokens (legal JSON whitespace) is answered invalid_json', caughtBy: ['BR-VALID-JSON'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('body', (ctx) => (ctx.call.body !== 'too-large' && ctx.call.body.includes(0x09) ? errorAnswer('invalid_json') : steps.body.run(ctx))) },
  { name: 'uppercase-escape-rejected', family: 'malformed', level: 'gate', description: 'a \\u escape with upper-case hex digits (\\u00E9) is answered invalid_json', caughtBy: ['BR-VALID-JSON'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('body', (ctx) => (ctx.call.body !== 'too-large' && /\\u[0-9a-fA-F]{0,3}[A-F]/.test(ctx.call.body.toString('latin1')) ? errorAnswer('invalid_json') : steps.body.run(ctx))) },
  { name: 'charset-rejected', family: 'malformed', level: 'gate', description: 'Content-Type: application/json; charset=utf-8 is not taken as JSON (invalid_json)', caughtBy: ['BR-VALID-JSON'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('contentType', (ctx) => (ctx.call.headers['content-type'] === 'application/json' ? undefined : errorAnswer('invalid_json'))) },
  { name: 'invalid-json-as-415', family: 'malformed', level: 'gate', description: 'a body that is not JSON, sent as application/json, is answered 415 unsupported_media_type (the answer for a second fault it does not carry)', caughtBy: ['BR-INVALID-JSON', 'PACT-INVALID-JSON'], alsoMayFail: ['FAULT-ONE-OF', 'SRV-NO-5XX'],
    steps: () => rewrite('body', (a) => (codeIs(a, errorForFault('notJson').code) ? undocumentedAnswer(choices.undocumentedErrors.unsupportedMediaType) : a)) },
  { name: 'trailing-junk-accepted', family: 'malformed', level: 'gate', description: 'JSON followed by junk is read up to its last brace', caughtBy: ['BR-INVALID-JSON'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('body', (ctx) => {
      const answer = steps.body.run(ctx);
      if (!answer || ctx.call.body === 'too-large') return answer;
      const text = ctx.call.body.toString('utf8');
      try { ctx.parsed = JSON.parse(text.slice(0, text.lastIndexOf('}') + 1)); return undefined; } catch { return answer; }
    }) },
  { name: 'missing-model-as-not-found', family: 'malformed', level: 'gate', description: 'a non-string model is model_not_found', caughtBy: ['BR-MISSING-MODEL'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('model', (ctx) => {
      const b = ctx.parsed as Record<string, unknown> | null;
      if (b && typeof b === 'object' && !Array.isArray(b) && 'model' in b && typeof b.model !== 'string') return errorAnswer('model_not_found');
      return steps.model.run(ctx);
    }) },
  { name: 'null-input-accepted', family: 'malformed', level: 'gate', description: 'input null is taken as {}', caughtBy: ['BR-MISSING-INPUT'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('input', (ctx) => {
      const b = ctx.parsed as Record<string, unknown>;
      if (b.input === null) { ctx.input = {}; return undefined; }
      return steps.input.run(ctx);
    }) },
  { name: 'unknown-model-as-invalid-input', family: 'malformed', level: 'gate', description: 'an unknown model is invalid_input', caughtBy: ['BR-MODEL-NOT-FOUND', 'PACT-MODEL-NOT-FOUND'], alsoMayFail: ['FAULT-ONE-OF', 'BR-VALID-JSON'],
    steps: () => rewrite('modelKnown', (a) => withError(a, { code: 'invalid_input' })) },
  { name: 'image-urls-items-unchecked', family: 'malformed', level: 'gate', description: 'image_urls entries that are not strings are accepted', caughtBy: ['BR-INVALID-INPUT'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('schema', (ctx) => {
      const urls = ctx.input!.image_urls;
      if (Array.isArray(urls) && urls.some((u) => typeof u !== 'string')) return steps.schema.run({ ...ctx, input: { ...ctx.input!, image_urls: urls.map(String) } });
      return steps.schema.run(ctx);
    }) },
  { name: 'valid-resolution-rejected', family: 'malformed', level: 'gate', description: 'resolution "1K", a documented value, is rejected', caughtBy: ['RUN-CREATE'], alsoMayFail: [...RUN_RULES, 'RL-SHARED-BUDGET', 'BAL-INSUFFICIENT', 'SPEND-LIMIT-REACHED'],
    steps: () => replaceStep('schema', (ctx) => (ctx.input!.resolution === '1K' ? errorAnswer('invalid_input', 'resolution must be one of 2K, 4K') : steps.schema.run(ctx))) },
  { name: 'invalid-json-as-missing-model', family: 'malformed', level: 'gate', description: 'a body that is not JSON is missing_model', caughtBy: ['BR-INVALID-JSON', 'PACT-INVALID-JSON'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('body', (a) => (codeIs(a, 'invalid_json') ? errorAnswer('missing_model') : a)) },
  { name: 'absent-model-as-invalid-input', family: 'malformed', level: 'gate', description: 'a body without model is invalid_input', caughtBy: ['BR-MISSING-MODEL', 'PACT-MISSING-MODEL'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('model', (a, ctx) => (ctx.parsed && typeof ctx.parsed === 'object' && !('model' in ctx.parsed) ? errorAnswer('invalid_input') : a)) },
  { name: 'absent-input-as-invalid-input', family: 'malformed', level: 'gate', description: 'a body without input is invalid_input', caughtBy: ['BR-MISSING-INPUT', 'PACT-MISSING-INPUT'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('input', (a, ctx) => (!('input' in (ctx.parsed as object)) ? errorAnswer('invalid_input') : a)) },
  { name: 'unauthenticated-post-forbidden', family: 'malformed', level: 'gate', description: 'a POST without a well-formed key is 403 ip_not_allowed', caughtBy: ['FAULT-ONE-OF', 'AUTH-MISSING', 'AUTH-WRONG-SCHEME'],
    steps: () => rewrite('authFormat', (a, ctx) => (ctx.route === 'createRun' ? errorAnswer('ip_not_allowed') : a)) },
  { name: 'empty-body-as-missing-model', family: 'malformed', level: 'warn', description: 'an empty body is missing_model', caughtBy: ['BR-EMPTY-BODY'],
    steps: () => replaceStep('body', (ctx) => (ctx.call.body !== 'too-large' && ctx.call.body.toString().trim() === '' ? errorAnswer('missing_model') : steps.body.run(ctx))) },
  { name: 'array-body-as-invalid-json', family: 'malformed', level: 'warn', description: 'a JSON body that is not an object is invalid_json', caughtBy: ['BR-NOT-OBJECT'],
    steps: () => replaceStep('model', (ctx) => (typeof ctx.parsed !== 'object' || ctx.parsed === null || Array.isArray(ctx.parsed) ? errorAnswer('invalid_json') : steps.model.run(ctx))) },
  { name: 'model-case-insensitive', family: 'malformed', level: 'observe', description: 'model ids match in any case', caughtBy: ['BR-MODEL-CASE'],
    steps: () => replaceStep('modelKnown', (ctx) => {
      const wanted = String((ctx.parsed as { model: string }).model).toLowerCase();
      const model = contract.models.models.find((m) => m.id.toLowerCase() === wanted);
      if (!model) return errorAnswer('model_not_found');
      ctx.model = model;
      return undefined;
    }) },

  // auth
  { name: 'wrong-format-as-unknown-key', family: 'auth', level: 'gate', description: 'a wrong-format Authorization carrying an sk- token is treated as an unknown key', caughtBy: ['AUTH-WRONG-SCHEME'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('authFormat', (ctx) => {
      const answer = steps.authFormat.run(ctx);
      return answer && /sk-/.test(ctx.call.headers.authorization ?? '') ? errorAnswer('invalid_api_key') : answer;
    }) },
  { name: 'bare-key-accepted', family: 'auth', level: 'gate', description: 'a bare sk- key without the Bearer scheme is accepted', caughtBy: ['AUTH-WRONG-SCHEME'],
    steps: () => replaceStep('authFormat', (ctx) => {
      const raw = (ctx.call.headers.authorization ?? '').trim();
      if (raw.startsWith(contract.limits.keys.prefix) && !/\s/.test(raw)) { ctx.token = raw; return undefined; }
      return steps.authFormat.run(ctx);
    }) },
  { name: 'unknown-key-as-missing', family: 'auth', level: 'gate', description: 'an unknown key is missing_api_key', caughtBy: ['AUTH-UNKNOWN-KEY'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('keyKnown', () => errorAnswer('missing_api_key')) },
  { name: 'disabled-key-accepted', family: 'auth', level: 'gate', description: 'a disabled key is let through (only expiry is checked)', caughtBy: ['AUTH-DISABLED', 'PACT-INVALID-API-KEY'],
    steps: () => replaceStep('keyActive', (ctx) => (ctx.key!.expiresAt !== null && ctx.key!.expiresAt <= ctx.state.clock.now() ? errorAnswer('invalid_api_key') : undefined)) },
  { name: 'expired-key-accepted', family: 'auth', level: 'gate', description: 'an expired key is let through', caughtBy: ['AUTH-EXPIRED'],
    steps: () => replaceStep('keyActive', (ctx) => (ctx.key!.disabled ? errorAnswer('invalid_api_key') : undefined)) },
  { name: 'key-with-expiry-refused', family: 'auth', level: 'gate', description: 'a key with any expiry date is refused, even before it expires (a Stryker survivor)', caughtBy: ['AUTH-EXPIRED'],
    steps: () => replaceStep('keyActive', (ctx) => (ctx.key!.disabled || ctx.key!.expiresAt !== null ? errorAnswer('invalid_api_key') : undefined)) },
  { name: 'no-sk-token-as-invalid-input', family: 'auth', level: 'warn', description: 'a Bearer token without sk- is 400 invalid_input (a key-format validation error), neither documented reading', caughtBy: ['AUTH-NO-SK-PREFIX'],
    steps: () => replaceStep('authFormat', (ctx) => {
      const m = (ctx.call.headers.authorization ?? '').trim().match(/^Bearer[ \t]+(\S+)$/i);
      return m && !m[1]!.startsWith(contract.limits.keys.prefix) ? errorAnswer('invalid_input', 'the key must begin with sk-') : steps.authFormat.run(ctx);
    }) },
  { name: 'bearer-case-sensitive', family: 'auth', level: 'observe', description: 'only "Bearer" with one space is accepted', caughtBy: ['AUTH-SCHEME-CASE'],
    steps: () => replaceStep('authFormat', (ctx) => (/^Bearer sk-\S+$/.test(ctx.call.headers.authorization ?? '') ? steps.authFormat.run(ctx) : errorAnswer('missing_api_key'))) },

  // money and access
  { name: 'balance-not-checked', family: 'money-access', level: 'gate', description: 'a run is created whatever the balance', caughtBy: ['BAL-INSUFFICIENT', 'PACT-INSUFFICIENT-BALANCE'], alsoMayFail: ['ACCT-SEQUENCE'],
    steps: () => replaceStep('balance', (ctx) => { steps.balance.run(ctx); return undefined; }) },
  { name: 'spend-limit-off-by-one', family: 'money-access', level: 'gate', description: 'the spend cap blocks only past the cap, not at it', caughtBy: ['SPEND-LIMIT-REACHED'],
    // Once a create slips through at the cap, spend is past it and the deviation blocks again.
    alsoMayFail: ['PACT-API-KEY-SPEND-LIMIT-EXCEEDED'],
    steps: () => replaceStep('spendLimit', (ctx) => {
      const { spendLimitCents, spentMicroUsd } = ctx.key!;
      return spendLimitCents !== null && spentMicroUsd > spendLimitCents * contract.limits.money.microUsdPerCent ? errorAnswer('api_key_spend_limit_exceeded') : undefined;
    }) },
  { name: 'spend-limit-code-renamed', family: 'money-access', level: 'gate', description: 'the spend cap answers spend_limit_exceeded', caughtBy: ['SPEND-LIMIT-REACHED', 'PACT-API-KEY-SPEND-LIMIT-EXCEEDED', 'ENV-CODE-STATUS'], alsoMayFail: ['ACCT-SEQUENCE'],
    steps: () => rewrite('spendLimit', (a) => withError(a, { code: 'spend_limit_exceeded' })) },
  { name: 'ip-checked-on-post-only', family: 'money-access', level: 'gate', description: 'the IP whitelist is not applied to GET', caughtBy: ['IP-NOT-ALLOWED', 'IP-SPOOF', 'PACT-IP-NOT-ALLOWED'],
    steps: () => replaceStep('ipWhitelist', (ctx) => (ctx.route === 'readRun' ? undefined : steps.ipWhitelist.run(ctx))) },
  { name: 'ip-suffix-matched', family: 'money-access', level: 'gate', description: 'a whitelisted address that merely ends like the caller\'s (1::ffff:127.0.0.1) lets it in (a Stryker survivor: the normalisation unanchored)', caughtBy: ['IP-NOT-ALLOWED'],
    steps: () => replaceStep('ipWhitelist', (ctx) => {
      const loose = (ip: string) => ip.replace(/^.*::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
      const list = ctx.key!.ipWhitelist.map(loose);
      return list.length === 0 || list.includes(loose(ctx.call.remoteAddress)) ? undefined : errorAnswer('ip_not_allowed');
    }) },
  { name: 'whitelisted-caller-refused', family: 'money-access', level: 'gate', description: 'a key with a whitelist refuses every caller, listed or not (a Stryker survivor: the caller address lost)', caughtBy: ['IP-NOT-ALLOWED'], alsoMayFail: ['IP-SPOOF'],
    steps: () => replaceStep('ipWhitelist', (ctx) => (ctx.key!.ipWhitelist.length === 0 ? undefined : errorAnswer('ip_not_allowed'))) },
  { name: 'forwarded-for-honoured', family: 'money-access', level: 'gate', description: 'X-Forwarded-For is trusted as the caller address', caughtBy: ['IP-SPOOF'],
    steps: () => replaceStep('ipWhitelist', (ctx) => {
      const claimed = ctx.call.headers['x-forwarded-for']?.split(',')[0]?.trim() ?? ctx.call.remoteAddress;
      const list = ctx.key!.ipWhitelist.map(normaliseIp);
      return list.length === 0 || list.includes(normaliseIp(claimed)) ? undefined : errorAnswer('ip_not_allowed');
    }) },
  { name: 'real-ip-honoured', family: 'money-access', level: 'gate', description: 'X-Real-IP alone is trusted as the caller address', caughtBy: ['IP-SPOOF'],
    steps: () => replaceStep('ipWhitelist', (ctx) => {
      const list = ctx.key!.ipWhitelist.map(normaliseIp);
      const claimed = ctx.call.headers['x-real-ip'] ?? ctx.call.remoteAddress;
      return list.length === 0 || list.includes(normaliseIp(claimed)) ? undefined : errorAnswer('ip_not_allowed');
    }) },
  { name: 'spend-limit-ignored-on-get', family: 'money-access', level: 'observe', description: 'a key at its spend cap may still read runs', caughtBy: ['SPEND-LIMIT-GET'],
    steps: () => replaceStep('spendLimit', (ctx) => (ctx.route === 'readRun' ? undefined : steps.spendLimit.run(ctx))) },

  // runs
  { name: 'other-account-run-readable', family: 'runs', level: 'gate', description: 'a run is visible to every account', caughtBy: ['RUN-OTHER-ACCOUNT'],
    steps: () => replaceStep('lookupRun', (ctx) => {
      const run = ctx.state.run(ctx.runId!);
      return run ? steps.lookupRun.run({ ...ctx, key: { ...ctx.key!, accountId: run.accountId } }) : errorAnswer('run_not_found');
    }) },
  { name: 'long-run-id-400', family: 'runs', level: 'gate', description: 'run ids over 100 characters get 400 invalid_input', caughtBy: ['RUN-NOT-FOUND'],
    steps: () => replaceStep('lookupRun', (ctx) => (ctx.runId!.length > 100 ? errorAnswer('invalid_input', 'id too long') : steps.lookupRun.run(ctx))) },
  { name: 'run-not-found-code-renamed', family: 'runs', level: 'gate', description: 'an unknown run answers 404 not_found', caughtBy: ['RUN-NOT-FOUND', 'RUN-OTHER-ACCOUNT', 'PACT-RUN-NOT-FOUND', 'ENV-CODE-STATUS'],
    steps: () => rewrite('lookupRun', (a) => (codeIs(a, 'run_not_found') ? withError(a, { code: 'not_found' }) : a)) },
  { name: 'read-run-without-cost', family: 'runs', level: 'gate', description: 'a read run has no costUsd', caughtBy: ['PACT-READ-RUN'],
    steps: () => rewrite('lookupRun', (a) => { if (a.status >= 400) return a; const { costUsd: _c, ...rest } = a.body as Record<string, unknown>; return { ...a, body: rest }; }) },
  { name: 'run-visible-to-its-key-only', family: 'runs', level: 'observe', description: 'a run is visible only to the key that created it', caughtBy: ['RUN-OTHER-KEY-SAME-ACCOUNT'],
    steps: () => replaceStep('lookupRun', (ctx) => {
      const run = ctx.state.run(ctx.runId!);
      return run && run.key !== ctx.key!.key ? errorAnswer('run_not_found') : steps.lookupRun.run(ctx);
    }) },

  // limits
  { name: 'rate-limit-19', family: 'limits', level: 'gate', description: 'the limit is 19 per window', caughtBy: ['RL-UNDER-LIMIT'],
    steps: () => limiter({ requests: contract.limits.rateLimit.requests - 1 }) },
  { name: 'rate-limit-21', family: 'limits', level: 'gate', description: 'the limit is 21 per window (every burst over-admits by one)', caughtBy: ['RL-EXACT-LIMIT-REPEATED'],
    steps: () => limiter({ requests: contract.limits.rateLimit.requests + 1 }) },
  { name: 'rate-limit-23', family: 'limits', level: 'gate', description: 'the limit is 23 per window', caughtBy: ['RL-EXACT-LIMIT-REPEATED'],
    steps: () => limiter({ requests: contract.limits.rateLimit.requests + 3 }) },
  { name: 'rate-limit-shared-across-keys', family: 'limits', level: 'gate', description: 'one budget for all keys of an account', caughtBy: ['RL-PER-KEY'], alsoMayFail: 'any',
    steps: () => limiter({ keyOf: (ctx) => ctx.key!.accountId }) },
  { name: 'rate-limit-per-endpoint', family: 'limits', level: 'gate', description: 'POST and GET have budgets of their own', caughtBy: ['RL-SHARED-BUDGET'],
    steps: () => limiter({ keyOf: (ctx) => `${ctx.key!.key}:${ctx.route}` }) },
  { name: 'rate-limit-never-refills', family: 'limits', level: 'gate', description: 'the window is an hour, not 10 s', caughtBy: ['RL-RECOVERY'], alsoMayFail: 'any',
    steps: () => limiter({ windowMs: 3_600_000 }) },
  { name: 'rate-limit-window-short', family: 'limits', level: 'gate', description: 'the window is 1 s, not 10 s (Stryker found it unseen while every burst went out at one instant)', caughtBy: ['RL-OVER-LIMIT'], alsoMayFail: 'any',
    steps: () => limiter({ windowMs: 1000 }) },
  { name: 'rate-limit-message-changed', family: 'limits', level: 'gate', description: 'RATE_LIMITED says "Too many requests"', caughtBy: ['RL-OVER-LIMIT', 'PACT-RATE-LIMITED'],
    steps: () => rewrite('rateLimit', (a) => withError(a, { message: 'Too many requests' })) },
  { name: 'usage-quota-ignored', family: 'limits', level: 'gate', description: 'an exhausted usage quota is not enforced', caughtBy: ['USAGE-EXCEEDED', 'PACT-USAGE-EXCEEDED'], alsoMayFail: ['ACCT-SEQUENCE'],
    steps: () => replaceStep('usageQuota', () => undefined) },

  // server errors
  { name: 'deep-nesting-500', family: 'server-errors', level: 'gate', description: 'bodies nested deeper than 1 000 levels get a 500', caughtBy: ['SRV-NO-5XX'],
    steps: () => replaceStep('body', (ctx) => {
      if (ctx.call.body !== 'too-large') {
        let depth = 0; let max = 0;
        for (const byte of ctx.call.body) { if (byte === 0x5b || byte === 0x7b) max = Math.max(max, ++depth); else if (byte === 0x5d || byte === 0x7d) depth--; }
        if (max > 1000) return { status: 500, body: 'Internal Server Error', headers: { 'content-type': 'text/plain' } };
      }
      return steps.body.run(ctx);
    }) },
  { name: 'unknown-route-html', family: 'server-errors', level: 'observe', description: 'unknown routes answer an HTML 404', caughtBy: ['SRV-UNKNOWN-ROUTE'],
    steps: () => rewrite('route', () => ({ status: 404, body: '<html>Not Found</html>', headers: { 'content-type': 'text/html' } })) },

  // success path
  { name: 'create-returns-200', family: 'success', level: 'gate', description: 'a created run is answered 200, not 201', caughtBy: ['RUN-CREATE', 'PACT-CREATE-RUN'], alsoMayFail: [...RUN_RULES, 'RL-SHARED-BUDGET', 'ACCT-SEQUENCE'],
    steps: () => rewrite('create', (a) => ({ ...a, status: 200 })) },
  { name: 'failed-run-without-error', family: 'success', level: 'gate', description: 'a failed run carries no error (a Stryker survivor)', caughtBy: ['RUN-CHARGE-REFUND'],
    steps: () => rewrite('lookupRun', (a) => {
      const { error: _error, ...run } = a.body as Record<string, unknown>;
      return run.status === contract.limits.runs.terminalStatuses[1] ? { ...a, body: run } : a;
    }) },
  { name: 'undecodable-run-id-crashes', family: 'server-errors', level: 'gate', description: 'a run id that percent-decodes to bytes that are not UTF-8 crashes the handler (a 500)', caughtBy: ['SRV-NO-5XX'], alsoMayFail: ['SRV-500-SHAPE'],
    steps: () => replaceStep('route', (ctx) => { decodeURIComponent(ctx.call.path); return steps.route.run(ctx); }) },
  { name: 'status-moves-backwards', family: 'success', level: 'gate', description: 'a processing run reads as pending again after 3 s', caughtBy: ['RUN-READ'],
    steps: () => rewrite('lookupRun', (a, ctx) => {
      const run = ctx.state.run(ctx.runId!);
      const age = run ? ctx.state.clock.now() - run.createdAt : 0;
      const body = a.body as { status?: string };
      return body.status === 'processing' && age >= 3000 ? { ...a, body: { ...body, status: 'pending' } } : a;
    }) },
  { name: 'succeeded-without-urls', family: 'success', level: 'gate', description: 'a succeeded run has an empty output.urls', caughtBy: ['RUN-SUCCEEDED'],
    steps: () => rewrite('lookupRun', (a) => ((a.body as { status?: string }).status === 'succeeded' ? { ...a, body: { ...(a.body as object), output: { urls: [] } } } : a)) },
  { name: 'refund-missing', family: 'success', level: 'gate', description: 'a failed run is not refunded', caughtBy: ['RUN-CHARGE-REFUND'],
    steps: () => {
      const charged = new WeakSet<object>();
      return rewrite('lookupRun', (a, ctx) => {
        const run = ctx.state.run(ctx.runId!);
        if (run && run.settled && !charged.has(run)) { charged.add(run); ctx.state.adjustBalance(run.accountId, -run.costUsd); }
        return a;
      });
    } },
  { name: 'charge-missing', family: 'success', level: 'gate', description: 'the cost is not taken at create', caughtBy: ['RUN-CHARGE-REFUND'], alsoMayFail: ['ACCT-SEQUENCE'],
    steps: () => rewrite('create', (a, ctx) => { ctx.state.adjustBalance(ctx.key!.accountId, ctx.cost!); return a; }) },

  // a wrong answer on a 429 path: a documented refusal answered as the rate limit. Only a throttle the
  // run's own traffic could explain is inconclusive; these keys were provably under their budget.
  { name: 'expired-key-rate-limited', family: 'auth', level: 'gate', description: 'an expired key is answered 429 RATE_LIMITED', caughtBy: ['AUTH-EXPIRED'], alsoMayFail: ['FAULT-ONE-OF', 'PACT-INVALID-API-KEY'],
    steps: () => rewrite('keyActive', (a, ctx) => (ctx.key!.disabled ? a : rateLimitedAnswer())) },
  { name: 'quota-exhausted-rate-limited', family: 'limits', level: 'gate', description: 'an exhausted usage quota is answered 429 RATE_LIMITED', caughtBy: ['USAGE-EXCEEDED'], alsoMayFail: ['FAULT-ONE-OF', 'PACT-USAGE-EXCEEDED', 'ACCT-SEQUENCE'],
    steps: () => rewrite('usageQuota', () => rateLimitedAnswer()) },
  { name: 'invalid-json-rate-limited', family: 'malformed', level: 'gate', description: 'a body that is not JSON is answered 429 RATE_LIMITED', caughtBy: ['BR-INVALID-JSON'], alsoMayFail: ['FAULT-ONE-OF', 'PACT-INVALID-JSON'],
    steps: () => rewrite('body', (a) => (codeIs(a, errorForFault('notJson').code) ? rateLimitedAnswer() : a)) },
  { name: 'spoofed-ip-rate-limited', family: 'money-access', level: 'gate', description: 'a forwarding header naming a whitelisted address is answered 429 RATE_LIMITED', caughtBy: ['IP-SPOOF'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => rewrite('ipWhitelist', (a, ctx) => {
      const listed = ctx.key!.ipWhitelist;
      const spoofed = Object.entries(ctx.call.headers).some(([name, value]) => name !== 'authorization' && listed.some((ip) => String(value).includes(ip)));
      return spoofed ? rateLimitedAnswer() : a;
    }) },
  // real-world bug classes (issue 12): headers, paths and values that a proxy or framework normalises
  { name: 'cdn-client-ip-honoured', family: 'money-access', level: 'gate', description: 'CF-Connecting-IP (set by Cloudflare) is trusted as the caller address', caughtBy: ['IP-SPOOF'],
    steps: () => replaceStep('ipWhitelist', (ctx) => {
      const list = ctx.key!.ipWhitelist.map(normaliseIp);
      const claimed = ctx.call.headers['cf-connecting-ip'] ?? ctx.call.remoteAddress;
      return list.length === 0 || list.includes(normaliseIp(claimed)) ? undefined : errorAnswer('ip_not_allowed');
    }) },
  { name: 'normalised-path-skips-ownership', family: 'runs', level: 'gate', description: 'a read path that only matches after normalisation (slashes, dots, case, encoding) reaches a handler without the ownership check', caughtBy: ['RUN-OTHER-ACCOUNT'],
    steps: () => {
      const lenient = new WeakSet<Ctx>();
      const runsPrefix = `${contract.limits.apiRootPath}${contract.limits.endpoints.createRun.path}/`.toLowerCase();
      const normalise = (path: string) => {
        let p = path;
        try { p = decodeURIComponent(p); } catch { /* keep it */ }
        p = posix.normalize(p.replace(/\\/g, '/').split(';')[0]!).replace(/\/+$/, '');
        return p.toLowerCase().startsWith(runsPrefix) ? p.slice(runsPrefix.length).trim() : undefined;
      };
      return faithfulSteps.map((s) => {
        if (s.name === 'route') return { ...s, run: (ctx: Ctx) => {
          const answer = steps.route.run(ctx);
          const id = answer ? normalise(ctx.call.path) : undefined;
          if (!id || id.includes('/')) return answer;
          lenient.add(ctx);
          ctx.route = 'readRun';
          ctx.runId = id;
          return undefined;
        } };
        if (s.name === 'lookupRun') return { ...s, run: (ctx: Ctx) => {
          const run = lenient.has(ctx) ? ctx.state.run(ctx.runId!) : undefined;
          return run ? { status: contract.limits.endpoints.readRun.successStatus, body: runView(ctx.state, run) } : steps.lookupRun.run(ctx);
        } };
        return s;
      });
    } },
  { name: 'model-id-trimmed', family: 'malformed', level: 'gate', description: 'model ids are trimmed of whitespace before the lookup', caughtBy: ['BR-MODEL-NOT-FOUND'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('modelKnown', (ctx) => {
      const trimmed: Ctx = { ...ctx, parsed: { ...(ctx.parsed as object), model: (ctx.parsed as { model: string }).model.trim() } };
      const answer = steps.modelKnown.run(trimmed);
      if (!answer) ctx.model = trimmed.model!;
      return answer;
    }) },
  { name: 'enum-values-normalised', family: 'malformed', level: 'gate', description: 'enum values are trimmed and matched in any case', caughtBy: ['BR-INVALID-INPUT'], alsoMayFail: ['FAULT-ONE-OF'],
    steps: () => replaceStep('schema', (ctx) => {
      const input = { ...ctx.input! };
      for (const [field, schema] of Object.entries(ctx.model!.input.properties ?? {})) {
        const value = input[field];
        const match = typeof value === 'string' ? schema.enum?.find((v) => v.toLowerCase() === value.trim().toLowerCase()) : undefined;
        if (match !== undefined) input[field] = match;
      }
      ctx.input = input;
      return steps.schema.run(ctx);
    }) },

  // accounting (issue 12): the state holes a hand-picked fixture never reaches
  { name: 'spend-cap-divided', family: 'accounting', level: 'gate', description: 'the spend cap is converted from cents with / instead of ×', caughtBy: ['ACCT-SEQUENCE'],
    steps: () => replaceStep('spendLimit', (ctx) => {
      const { spendLimitCents, spentMicroUsd } = ctx.key!;
      return spendLimitCents !== null && spentMicroUsd >= spendLimitCents / contract.limits.money.microUsdPerCent ? errorAnswer('api_key_spend_limit_exceeded') : undefined;
    }) },
  { name: 'create-lowers-spend', family: 'accounting', level: 'gate', description: "a create lowers the key's spend instead of raising it", caughtBy: ['ACCT-SEQUENCE'],
    steps: () => rewrite('create', (a, ctx) => {
      ctx.state.updateKey(ctx.key!.key, { spentMicroUsd: Math.max(0, ctx.key!.spentMicroUsd - 2 * ctx.cost!) });
      return a;
    }) },
  { name: 'create-lowers-usage', family: 'accounting', level: 'gate', description: "a create lowers the key's usage counter instead of raising it", caughtBy: ['ACCT-SEQUENCE'],
    steps: () => rewrite('create', (a, ctx) => {
      ctx.state.updateKey(ctx.key!.key, { usageUsed: Math.max(0, ctx.key!.usageUsed - 2) });
      return a;
    }) },
  { name: 'refund-adds-spend', family: 'accounting', level: 'gate', description: "a failed run's refund adds its cost to the key's spend instead of taking it off", caughtBy: ['ACCT-SEQUENCE'],
    steps: () => {
      // The refund happens in the state; the deviation books it the wrong way on the next request.
      const watched = new Set<string>();
      const table = rewrite('create', (a) => { const id = (a.body as { id?: string }).id; if (id) watched.add(id); return a; });
      return table.map((s) => (s.name !== 'route' ? s : { ...s, run: (ctx: Ctx) => {
        for (const id of watched) {
          const run = ctx.state.run(id);
          if (run && !run.fails) { watched.delete(id); continue; }
          if (!run || !run.settled) continue;
          watched.delete(id);
          const key = ctx.state.key(run.key);
          if (key) ctx.state.updateKey(key.key, { spentMicroUsd: key.spentMicroUsd + 2 * run.costUsd });
        }
        return steps.route.run(ctx);
      } }));
    } },
];

export function deviationByName(name: string): Deviation {
  const found = deviations.find((d) => d.name === name);
  if (!found) throw new Error(`no deviation ${name}; known: ${deviations.map((d) => d.name).join(', ')}`);
  return found;
}
