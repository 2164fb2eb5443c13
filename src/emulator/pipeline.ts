// The emulator's request pipeline: an ordered table of named steps, in the order faults are checked
// (contracts/emulator.json choices.precedence, explained in docs/emulator.md). Each step answers with an
// error or passes. A different table makes a different emulator; the faithful one is `faithfulSteps`.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { contract, errorByCode, modelById, runCost, type FaultName, type ModelEntry } from '../contract/index.ts';
import { choices, type UndocumentedError } from '../contract/emulator-choices.ts';
import { normaliseIp, type EmulatorState, type KeyRecord, type RunRecord } from './state.ts';
import type { RateLimiter } from './rate-limit.ts';
import { isJsonText } from './json-text.ts';

export interface Answer { status: number; body: unknown; headers?: Record<string, string> }

export interface IncomingCall {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  remoteAddress: string;
  /** The body read, or 'too-large' past the body limit. */
  body: Buffer | 'too-large';
}

export type Route = 'createRun' | 'readRun';

/** What the steps learn on the way down, for the steps after them. */
export interface Ctx {
  call: IncomingCall;
  state: EmulatorState;
  limiter: RateLimiter;
  route?: Route;
  runId?: string;
  token?: string;
  key?: KeyRecord;
  parsed?: unknown;
  model?: ModelEntry;
  input?: Record<string, unknown>;
  cost?: number;
  /** Set when the rate limit refused: how long until the key is admitted again. */
  retryAfterMs?: number;
}

export interface Step {
  name: string;
  /** The routes the step applies to; all when absent. */
  routes?: Route[];
  run(ctx: Ctx): Answer | undefined;
}

// No charset: RFC 8259 defines none for application/json (and Dredd matches the bare media type).
const JSON_HEADERS = { 'content-type': 'application/json' };

function buildErrorAnswer(code: string, detail?: string): Answer {
  const entry = errorByCode(code);
  const message = entry.message ?? `${choices.messages[code] ?? entry.cause}${detail ? `: ${detail}` : ''}`;
  return { status: entry.status, body: { error: { message, code } }, headers: JSON_HEADERS };
}

/** The answers without a detail are the same every time: built once per code, frozen (callers copy, never change them). */
const plainAnswers = new Map<string, Answer>();
const frozen = (a: Answer): Answer => {
  const body = a.body as { error: object };
  Object.freeze(body.error);
  Object.freeze(body);
  return Object.freeze(a);
};

/** A documented error, with the emulator's message for it (the documented one where there is one). */
export function errorAnswer(code: string, detail?: string): Answer {
  if (detail) return buildErrorAnswer(code, detail);
  let answer = plainAnswers.get(code);
  if (!answer) plainAnswers.set(code, (answer = frozen(buildErrorAnswer(code))));
  return answer;
}

/** A documented error with a message of the emulator's own choosing. */
export function messageAnswer(code: string, message: string): Answer {
  return { status: errorByCode(code).status, body: { error: { message, code } }, headers: JSON_HEADERS };
}

/** The documented error of a fault of the fault model (contracts/errors.json "faults"). */
export function faultAnswer(fault: FaultName, detail?: string): Answer {
  return errorAnswer(contract.errors.faults[fault].code, detail);
}

export function undocumentedAnswer(error: UndocumentedError, headers: Record<string, string> = {}): Answer {
  return { status: error.status, body: { error: { message: error.message, code: error.code } }, headers: { ...JSON_HEADERS, ...headers } };
}

// Strict: invalid UTF-8 throws. One instance serves every request (decode() without stream keeps no state).
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict UTF-8, then JSON. Invalid UTF-8, a syntax error and nesting too deep to parse are all "not
 * valid JSON". The scanner answers the common case (a syntax error) without a thrown SyntaxError,
 * which would cost more than the whole unknown-run path; what it accepts is parsed as ever.
 */
function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false };
  }
  if (!isJsonText(text)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ajv = new Ajv2020({ allErrors: false, strict: false });
const validators = new Map(contract.models.models.map((m) => [m.id, ajv.compile(m.input)]));

const root = contract.limits.apiRootPath;
const runsPath = root + contract.limits.endpoints.createRun.path;

function matchRoute(path: string): { route: Route; runId?: string } | undefined {
  if (path === runsPath) return { route: 'createRun' };
  if (path.startsWith(`${runsPath}/`)) {
    const rest = path.slice(runsPath.length + 1);
    if (rest !== '' && !rest.includes('/')) {
      try {
        return { route: 'readRun', runId: decodeURIComponent(rest) };
      } catch {
        return { route: 'readRun', runId: rest };
      }
    }
  }
  return undefined;
}

const methodOf: Record<Route, string> = { createRun: contract.limits.endpoints.createRun.method, readRun: contract.limits.endpoints.readRun.method };

// "Bearer sk-…": the scheme in any case (RFC 9110), then whitespace, then one token that begins with
// the key prefix exactly as documented ("sk-", lower case: "SK-…" is a token without the prefix).
const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyCase = (text: string) => [...text].map((c) => (c.toLowerCase() === c.toUpperCase() ? escapeRe(c) : `[${c.toLowerCase()}${c.toUpperCase()}]`)).join('');
const AUTH = new RegExp(`^${anyCase(contract.limits.keys.scheme)}[ \\t]+(${escapeRe(contract.limits.keys.prefix)}\\S+)$`);

export function runView(state: EmulatorState, run: RunRecord): Record<string, unknown> {
  const status = state.runStatus(run);
  const view: Record<string, unknown> = { id: run.id, model: run.model, status, costUsd: run.costUsd, createdAt: new Date(run.createdAt).toISOString() };
  if (status === 'succeeded' || status === 'failed') view.completedAt = new Date(run.createdAt + choices.lifecycleMs.terminalAfter).toISOString();
  if (status === 'succeeded') {
    const ext = modelById(run.model)?.kind === 'video' ? 'mp4' : 'png';
    view.output = { urls: [`${choices.outputHost}/${run.id}/output-0.${ext}`] };
  }
  if (status === 'failed') view.error = { message: choices.undocumentedErrors.runFailed.message, code: choices.undocumentedErrors.runFailed.code };
  return view;
}

export const steps = {
  route: {
    name: 'route',
    run(ctx) {
      const match = matchRoute(ctx.call.path);
      if (!match) return undocumentedAnswer(choices.undocumentedErrors.routeNotFound);
      ctx.route = match.route;
      if (match.runId !== undefined) ctx.runId = match.runId;
      return undefined;
    },
  },
  method: {
    name: 'method',
    run(ctx) {
      const allowed = methodOf[ctx.route!];
      return ctx.call.method === allowed ? undefined : undocumentedAnswer(choices.undocumentedErrors.methodNotAllowed, { allow: allowed });
    },
  },
  authFormat: {
    name: 'authFormat',
    run(ctx) {
      const match = (ctx.call.headers.authorization ?? '').trim().match(AUTH);
      if (!match) return faultAnswer(ctx.call.headers.authorization === undefined ? 'noAuth' : 'malformedAuth');
      ctx.token = match[1]!;
      return undefined;
    },
  },
  keyKnown: {
    name: 'keyKnown',
    run(ctx) {
      const key = ctx.state.key(ctx.token!);
      if (!key) return faultAnswer('unknownKey');
      ctx.key = key;
      return undefined;
    },
  },
  keyActive: {
    name: 'keyActive',
    run(ctx) {
      const { disabled, expiresAt } = ctx.key!;
      if (disabled) return faultAnswer('disabledKey');
      return expiresAt !== null && expiresAt <= ctx.state.clock.now() ? faultAnswer('expiredKey') : undefined;
    },
  },
  ipWhitelist: {
    name: 'ipWhitelist',
    // The socket's address only: forwarding headers are the caller's word, not a fact.
    run(ctx) {
      const list = ctx.key!.ipWhitelist;
      if (list.length === 0) return undefined;
      const caller = normaliseIp(ctx.call.remoteAddress);
      return list.some((ip) => normaliseIp(ip) === caller) ? undefined : faultAnswer('ipNotAllowed');
    },
  },
  usageQuota: {
    name: 'usageQuota',
    run(ctx) {
      const { usageQuota, usageUsed } = ctx.key!;
      return usageQuota !== null && usageUsed >= usageQuota ? faultAnswer('quotaExhausted') : undefined;
    },
  },
  rateLimit: {
    name: 'rateLimit',
    run(ctx) {
      const now = ctx.state.clock.now();
      if (ctx.limiter.admit(ctx.key!.key, now)) return undefined;
      // Stryker disable next-line all: read only by the retryAfterOn429 choice (extras.ts, off by default), proven in extras.test.ts
      ctx.retryAfterMs = ctx.limiter.waitMs(ctx.key!.key, now);
      return faultAnswer('rateLimited');
    },
  },
  spendLimit: {
    name: 'spendLimit',
    // "Once the key's cumulative spend reaches the cap, further requests get 403."
    run(ctx) {
      const { spendLimitCents, spentMicroUsd } = ctx.key!;
      return spendLimitCents !== null && spentMicroUsd >= spendLimitCents * contract.limits.money.microUsdPerCent ? faultAnswer('spendReached') : undefined;
    },
  },
  contentType: {
    name: 'contentType',
    routes: ['createRun'],
    // The docs show only JSON bodies: a create sent as anything else (or as nothing) is not taken as
    // JSON, so it cannot become a billable run. Answered with the documented "not JSON" code. After
    // the body check, so a body that is not JSON is judged as such whatever its Content-Type.
    run(ctx) {
      const type = ctx.call.headers['content-type'];
      const semicolon = type === undefined ? -1 : type.indexOf(';');
      const media = type === undefined ? '' : (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
      return media === choices.jsonMediaType ? undefined : messageAnswer(contract.errors.faults.notJson.code, choices.messages.invalid_json_content_type!);
    },
  },
  body: {
    name: 'body',
    routes: ['createRun'],
    run(ctx) {
      if (ctx.call.body === 'too-large') return undocumentedAnswer(choices.undocumentedErrors.payloadTooLarge);
      const parsed = parseJson(ctx.call.body);
      if (!parsed.ok) return faultAnswer('notJson');
      ctx.parsed = parsed.value;
      return undefined;
    },
  },
  model: {
    name: 'model',
    routes: ['createRun'],
    run(ctx) {
      const body = ctx.parsed;
      return isPlainObject(body) && Object.hasOwn(body, 'model') && typeof body.model === 'string' ? undefined : faultAnswer('modelMissing');
    },
  },
  input: {
    name: 'input',
    routes: ['createRun'],
    run(ctx) {
      const body = ctx.parsed as Record<string, unknown>;
      if (!Object.hasOwn(body, 'input') || !isPlainObject(body.input)) return faultAnswer('inputMissing');
      ctx.input = body.input;
      return undefined;
    },
  },
  modelKnown: {
    name: 'modelKnown',
    routes: ['createRun'],
    run(ctx) {
      const model = modelById((ctx.parsed as { model: string }).model);
      if (!model) return faultAnswer('unknownModel');
      ctx.model = model;
      return undefined;
    },
  },
  schema: {
    name: 'schema',
    routes: ['createRun'],
    run(ctx) {
      const validate = validators.get(ctx.model!.id)!;
      if (validate(ctx.input)) return undefined;
      const first = validate.errors?.[0];
      const field = first?.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : (first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? 'input';
      return faultAnswer('schemaViolation', `${field} ${first?.message ?? 'is invalid'}`);
    },
  },
  balance: {
    name: 'balance',
    routes: ['createRun'],
    // Balance equal to the cost is enough.
    run(ctx) {
      ctx.cost = runCost(ctx.model!, ctx.input!);
      return ctx.state.balance(ctx.key!.accountId)! < ctx.cost ? faultAnswer('lowBalance') : undefined;
    },
  },
  create: {
    name: 'create',
    routes: ['createRun'],
    run(ctx) {
      const run = ctx.state.createRun(ctx.key!, ctx.model!.id, ctx.cost!);
      const { id, model, costUsd } = run;
      return { status: contract.limits.endpoints.createRun.successStatus, body: { id, model, status: ctx.state.runStatus(run), costUsd }, headers: JSON_HEADERS };
    },
  },
  lookupRun: {
    name: 'lookupRun',
    routes: ['readRun'],
    // Visible to every key of the owning account; to every other account it does not exist.
    run(ctx) {
      const run = ctx.state.run(ctx.runId!);
      if (!run || run.accountId !== ctx.key!.accountId) return faultAnswer('unknownRun');
      return { status: contract.limits.endpoints.readRun.successStatus, body: runView(ctx.state, run), headers: JSON_HEADERS };
    },
  },
} satisfies Record<string, Step>;

/**
 * The steps in the order contracts/emulator.json choices.precedence gives (its one home; an entry
 * `a | b` names steps on separate routes). Every step must be named exactly once.
 */
export function stepsInOrder(order: readonly string[]): Step[] {
  const names = order.flatMap((entry) => entry.split('|').map((n) => n.trim()));
  const known = Object.keys(steps);
  const unknown = names.filter((n) => !known.includes(n));
  const missing = known.filter((n) => !names.includes(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (unknown.length || missing.length || twice.length) {
    throw new Error(`an emulator precedence must name every pipeline step once (unknown: ${unknown.join(', ') || '—'}; missing: ${missing.join(', ') || '—'}; twice: ${twice.join(', ') || '—'})`);
  }
  return names.map((n) => steps[n as keyof typeof steps]);
}

export const faithfulSteps: readonly Step[] = stepsInOrder(choices.choices.precedence.default as string[]);

/** Run the table: the first step that answers decides. Every route ends in create or lookupRun. */
export function handle(table: readonly Step[], ctx: Ctx): Answer {
  for (const step of table) {
    if (step.routes && (!ctx.route || !step.routes.includes(ctx.route))) continue;
    const answer = step.run(ctx);
    if (answer) return answer;
  }
  return undocumentedAnswer(choices.undocumentedErrors.internalError);
}
