// The admin (state) API, on its own port, behind a bearer token: accounts, keys in every state,
// balances, failure injection, the virtual clock, fixtures. JSON in, JSON out.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readBody, hardenServer, sendJson, serverOptions } from './http.ts';
import { StateError, type EmulatorState, type KeySettings } from './state.ts';
import { runView } from './pipeline.ts';

type Json = Record<string, unknown>;
type Handler = (params: string[], body: Json, state: EmulatorState) => { status?: number; body: unknown };

export interface AdminOptions {
  token: string;
  /** Provision the fixture set; returns its env lines (see fixtures.ts). */
  provision: (poolSize?: number) => Record<string, string>;
}

class NotFound extends Error {}

function keySettings(body: Json, now: number): KeySettings {
  const out: KeySettings = {};
  if (body.disabled !== undefined) out.disabled = body.disabled === true;
  if (body.expired === true) out.expiresAt = now;
  if (typeof body.expiresAt === 'string') {
    const t = Date.parse(body.expiresAt);
    if (Number.isNaN(t)) throw new StateError('expiresAt must be an ISO-8601 time');
    out.expiresAt = t;
  }
  if (body.expiresAt === null) out.expiresAt = null;
  for (const f of ['spendLimitCents', 'usageQuota'] as const) if (body[f] !== undefined) out[f] = body[f] as number | null;
  for (const f of ['spentMicroUsd', 'usageUsed'] as const) if (body[f] !== undefined) out[f] = body[f] as number;
  if (body.ipWhitelist !== undefined) {
    if (!Array.isArray(body.ipWhitelist) || !body.ipWhitelist.every((ip) => typeof ip === 'string')) throw new StateError('ipWhitelist must be an array of addresses');
    out.ipWhitelist = body.ipWhitelist as string[];
  }
  return out;
}

const keyView = (state: EmulatorState, key: string) => {
  const record = state.key(key);
  if (!record) throw new NotFound('no such key');
  const { failNext, ...view } = record;
  return { ...view, failNextRun: failNext, expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString() };
};

function routes(opts: AdminOptions): [string, RegExp, Handler][] {
  return [
    ['POST', /^\/admin\/accounts$/, (_p, body, state) => ({ status: 201, body: state.createAccount({ balanceMicroUsd: Number(body.balanceMicroUsd ?? 0) }) })],
    ['GET', /^\/admin\/accounts\/([^/]+)$/, ([id], _b, state) => {
      const account = state.account(id!);
      if (!account) throw new NotFound('no such account');
      return { body: account };
    }],
    ['POST', /^\/admin\/accounts\/([^/]+)\/top-up$/, ([id], body, state) => {
      if (!state.account(id!)) throw new NotFound('no such account');
      return { body: state.adjustBalance(id!, Number(body.microUsd)) };
    }],
    ['POST', /^\/admin\/keys$/, (_p, body, state) => ({ status: 201, body: keyView(state, state.createKey(String(body.accountId), keySettings(body, state.clock.now())).key) })],
    ['GET', /^\/admin\/keys\/([^/]+)$/, ([key], _b, state) => ({ body: keyView(state, key!) })],
    ['PATCH', /^\/admin\/keys\/([^/]+)$/, ([key], body, state) => {
      if (!state.key(key!)) throw new NotFound('no such key');
      state.updateKey(key!, keySettings(body, state.clock.now()));
      return { body: keyView(state, key!) };
    }],
    ['POST', /^\/admin\/keys\/([^/]+)\/fail-next$/, ([key], _b, state) => {
      if (!state.key(key!)) throw new NotFound('no such key');
      state.failNextRun(key!);
      return { body: keyView(state, key!) };
    }],
    ['GET', /^\/admin\/clock$/, (_p, _b, state) => ({ body: { now: state.clock.now(), iso: new Date(state.clock.now()).toISOString(), mode: state.clock.mode } })],
    ['POST', /^\/admin\/clock\/advance$/, (_p, body, state) => {
      const ms = Number(body.ms);
      if (!Number.isFinite(ms) || ms < 0) throw new StateError('ms must be a number ≥ 0');
      state.clock.advance(ms);
      state.settle();
      return { body: { now: state.clock.now(), iso: new Date(state.clock.now()).toISOString(), mode: state.clock.mode } };
    }],
    ['POST', /^\/admin\/fixtures$/, (_p, body) => ({ status: 201, body: opts.provision(body.poolSize === undefined ? undefined : Number(body.poolSize)) })],
    ['GET', /^\/admin\/runs\/([^/]+)$/, ([id], _b, state) => {
      const run = state.run(id!);
      if (!run) throw new NotFound('no such run');
      return { body: { ...runView(state, run), accountId: run.accountId, refunded: run.settled } };
    }],
  ];
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export function createAdminServer(state: EmulatorState, opts: AdminOptions): Server {
  const table = routes(opts);
  const server = createServer(serverOptions(), async (req, res) => {
    try {
      if (!tokenMatches(req.headers.authorization, opts.token)) return sendJson(res, 401, { error: { message: 'Admin token required.', code: 'unauthorized' } });
      const path = (req.url ?? '/').split('?')[0]!;
      const found = table.find(([method, re]) => method === req.method && re.test(path));
      if (!found) return sendJson(res, 404, { error: { message: 'No such admin route.', code: 'not_found' } });
      const raw = await readBody(req, 64 * 1024);
      if (raw === 'too-large') return sendJson(res, 413, { error: { message: 'Body too large.', code: 'payload_too_large' } });
      const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Json) : {};
      const params = found[1].exec(path)!.slice(1).map((p) => decodeURIComponent(p));
      const result = found[2](params, body ?? {}, state);
      sendJson(res, result.status ?? 200, result.body);
    } catch (error) {
      if (error instanceof NotFound) return sendJson(res, 404, { error: { message: error.message, code: 'not_found' } });
      if (error instanceof StateError || error instanceof SyntaxError) return sendJson(res, 400, { error: { message: error.message, code: 'bad_request' } });
      sendJson(res, 500, { error: { message: 'Internal error.', code: 'internal_error' } });
    }
  });
  hardenServer(server);
  return server;
}
