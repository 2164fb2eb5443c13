// The run's shared parts: one client, one scheduler (so every key stays within its budget across all
// rules), one log of every exchange (the envelope, secret and 5xx rules judge all of it).
// Created once per worker; vitest runs the conformance files in one worker without isolation.
import { inject } from 'vitest';
import type { Config } from '../settings/index.ts';
import { createClient, type Client } from '../http/client.ts';
import { Throttled, throttledPast, type Scheduler } from '../http/scheduler.ts';
import type { Clock } from '../http/clock.ts';
import { pacingFor } from '../http/pacing.ts';
import { contract } from '../contract/index.ts';
import { TargetError, type Exchange, type HttpRequest } from '../contract/exchange.ts';
import { secretsOf, type Secrets } from '../verdicts/redact.ts';
import { describeAnswer, isRateLimited } from '../oracles/error-answer.ts';
import { admissionExpected } from '../oracles/rate-window.ts';

/** What the global setup hands to the workers. */
export interface ProvidedTarget {
  config: Config;
  /** The embedded reference emulator: billable requests are free, the clock is virtual. */
  embedded: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    runbase: ProvidedTarget;
  }
}

export type Auth =
  /** A healthy key from the pool, chosen and paced by the scheduler. */
  | { kind: 'pool' }
  /** A given key (a fixture, or a leased pool key), paced under its own budget unless the request is raw. */
  | { kind: 'key'; key: string }
  /** A literal Authorization value, or none (null). Paced under one shared anonymous budget. */
  | { kind: 'header'; value: string | null };

export interface RequestSpec {
  method: string;
  /** Path under the API root: '/runs' or '/runs/<encoded id>'. */
  path: string;
  auth: Auth;
  body?: string | Uint8Array;
  /** Default: application/json when there is a body; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Rate-limit rules: no pacing and no 429 retry. */
  raw?: boolean;
  /** Unknown routes, wrong methods, huge bodies: behaviour the docs leave open, so the envelope rules do not judge it. */
  undocumentedSurface?: boolean;
  /** A probe the target may fail to answer (odd run ids): a TargetError on it is this request's verdict
   * for the rule that sent it, not the end of the run. */
  survivesTargetError?: boolean;
}

/**
 * What became of an exchange: `pending` until the rule that sent it judges it against what it was
 * sent to provoke. A run whose rules ended with exchanges still pending judged less than it sent.
 */
export type ExchangeFate =
  | 'pending'
  /** Judged by the rule that sent it. */
  | 'judged'
  /** Recorded by an observe rule (what the docs leave open: nothing to judge it against). */
  | 'observed'
  /** A 429 the scheduler waited out and sent again (an environment event). */
  | 'retried'
  /** Still throttled after the backoff: counted as an inconclusive case. */
  | 'inconclusive'
  /** Its rule ended before judging it: skipped (a premise unmet, with the reason) or the target gone. */
  | 'abandoned';

export interface LoggedExchange {
  exchange: Exchange;
  ruleId: string;
  /** The token sent in Authorization, if any (for the secret-echo rule). */
  sentToken?: string;
  undocumentedSurface: boolean;
  fate: ExchangeFate;
}

export interface Session {
  config: Config;
  embedded: boolean;
  apiRoot: string;
  clock: Clock;
  scheduler: Scheduler;
  secrets: Secrets;
  log: LoggedExchange[];
  send(spec: RequestSpec, ruleId: string): Promise<Exchange>;
  /** The log entry of an exchange this session sent. */
  entryOf(exchange: Exchange): LoggedExchange | undefined;
  requestCount(): number;
  /** Why the target cannot be talked to any more (set by the first TargetError), if it cannot. */
  unusable(): string | undefined;
}

export class BudgetExhausted extends Error {
  override readonly name = 'BudgetExhausted';
}

/** The target kept answering 429 RATE_LIMITED after the backoff, and the run's own traffic could explain
 * it: this case says nothing about the rule. A rule's other cases keep their verdicts. */
export class Inconclusive extends Error {
  override readonly name = 'Inconclusive';
}

const ANONYMOUS = 'anonymous';

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/(sk-\S+)/i) ?? authorization?.match(/^\s*\S+\s+(\S{6,})/);
  return match?.[1];
}

export async function createSession(provided: ProvidedTarget): Promise<Session> {
  const { config, embedded } = provided;
  if (config.target.kind !== 'remote') throw new Error('the global setup must resolve the target to a URL');
  const apiRoot = config.target.apiRoot;
  // The proxy variables apply to a target of the user's (docs/network.md); the embedded emulator is ours, in-process.
  const client: Client = createClient({ timeoutMs: config.timeoutMs, maxBodyBytes: 256 * 1024, userAgent: config.userAgent, ...(embedded ? {} : { proxyEnv: process.env }) });
  const secrets = secretsOf(config);
  const poolIndex = new Map(config.keys.pool.map((k, i) => [k, i] as const));
  const labelOf = (key: string): string => {
    if (key === ANONYMOUS) return ANONYMOUS;
    const i = poolIndex.get(key);
    if (i !== undefined) return `key#${i + 1}`;
    return secrets.get(key)?.replace(/^\$RUNBASE_/, 'fixture:').toLowerCase() ?? 'generated-key';
  };
  const { clock, scheduler } = await pacingFor(config, { labelOf });
  // A literal header that carries a known key may be counted against that key by the target.
  const knownKeys = [...secrets.keys()].sort((a, b) => b.length - a.length);
  const paceKeyOfHeader = (value: string | null): string => (value && knownKeys.find((k) => value.includes(k))) || ANONYMOUS;
  const log: LoggedExchange[] = [];
  let requests = 0;
  let brokenTarget: TargetError | undefined;
  let refusesUnderLimit = false;

  /** The last send of `key` was refused although fewer than the limit can have been counted before it. */
  function refusalUnexplained(key: string | undefined): boolean {
    if (!key || key === ANONYMOUS) return false;
    const history = scheduler.history(key);
    const last = history[history.length - 1];
    return last !== undefined && admissionExpected(last, history, scheduler.limit);
  }

  const entries = new WeakMap<Exchange, LoggedExchange>();

  async function send(spec: RequestSpec, ruleId: string): Promise<Exchange> {
    // Every exchange this call sends is logged as it comes back; all but the one handed to the rule
    // were 429s the scheduler retried.
    const sent: LoggedExchange[] = [];
    const logExchange = (exchange: Exchange) => {
      const sentToken = bearerToken(exchange.request.headers.authorization);
      const entry: LoggedExchange = { exchange, ruleId, undocumentedSurface: spec.undocumentedSurface ?? false, fate: 'pending', ...(sentToken ? { sentToken } : {}) };
      log.push(entry);
      entries.set(exchange, entry);
      sent.push(entry);
    };
    const handedOver = (exchange: Exchange): Exchange => {
      for (const entry of sent) if (entry.exchange !== exchange) entry.fate = 'retried';
      return exchange;
    };
    if (brokenTarget) throw new TargetError(`target unusable since an earlier request: ${brokenTarget.message}`);
    const paceKey = spec.auth.kind === 'key' ? spec.auth.key : spec.auth.kind === 'header' ? paceKeyOfHeader(spec.auth.value) : undefined;
    const build = (key: string | undefined): HttpRequest => {
      const headers: Record<string, string> = {};
      if (spec.auth.kind === 'header') { if (spec.auth.value !== null) headers.authorization = spec.auth.value; }
      else headers.authorization = `${contract.limits.keys.scheme} ${key}`;
      const contentType = spec.contentType === undefined ? (spec.body === undefined ? null : 'application/json') : spec.contentType;
      if (contentType !== null) headers['content-type'] = contentType;
      Object.assign(headers, spec.headers);
      return { method: spec.method, url: apiRoot + spec.path, headers, ...(spec.body === undefined ? {} : { body: spec.body }) };
    };
    const once = async (key: string | undefined): Promise<Exchange> => {
      // A send that waited for its key's window (or a retry's backoff) while another request found the
      // target gone is not sent: each would wait out its own timeout, one after another.
      if (brokenTarget) throw new TargetError(`target unusable since an earlier request: ${brokenTarget.message}`);
      if (requests >= config.maxRequests) throw new BudgetExhausted(`the run's request budget (RUNBASE_MAX_REQUESTS=${config.maxRequests}) is spent`);
      requests++;
      try {
        const exchange = await client.send(build(key));
        logExchange(exchange);
        return exchange;
      } catch (error) {
        if (error instanceof TargetError && !spec.survivesTargetError) brokenTarget = error;
        throw error;
      }
    };
    let exchange: Exchange;
    if (spec.raw) {
      // The rate-limit rules: unpaced and never retried, but timed into the key's history.
      exchange = paceKey ? await scheduler.sendRaw(paceKey, () => once(paceKey)) : await once(paceKey);
      // Their 429s are provoked on purpose, and a wait within the documented window is theirs to judge.
      // One asking longer than that and than the cap is a throttle past the documented limit: it ends
      // the run (exit 2) as it does for a paced send, instead of failing whichever rule met it.
      const throttled = isRateLimited(exchange)
        ? throttledPast(exchange, { maxRetryAfterMs: config.maxRetryAfterMs, label: labelOf(paceKey ?? ANONYMOUS) }, Math.max(config.maxRetryAfterMs, scheduler.limit.windowMs))
        : undefined;
      if (throttled) throw (brokenTarget = throttled);
    } else {
      let usedKey = paceKey;
      const attempt = (key: string) => { usedKey = key; return once(spec.auth.kind === 'header' ? undefined : key); };
      const choice = paceKey ? { key: paceKey } : { pool: true as const };
      try {
        // Once the target has refused a key the run provably kept under its limit, a refusal it cannot
        // explain is judged at once: waiting out the whole backoff on every case would prove nothing new.
        const first = refusesUnderLimit ? await scheduler.send(choice, attempt, ruleId, { retries: 0 }) : undefined;
        const settled = first && !(isRateLimited(first) && !refusalUnexplained(usedKey));
        exchange = settled ? first : await scheduler.send(paceKey ? { key: paceKey } : { pool: true }, attempt, ruleId);
      } catch (error) {
        if (error instanceof Throttled) brokenTarget = error;
        throw error;
      }
      handedOver(exchange);
      // A refusal of a key the run provably kept under the documented limit is a wrong answer: the
      // rule that sent it judges it like any other (an expired key answered 429 fails AUTH-EXPIRED).
      if (isRateLimited(exchange) && refusalUnexplained(usedKey)) refusesUnderLimit = true;
      else if (isRateLimited(exchange)) {
        entries.get(exchange)!.fate = 'inconclusive';
        throw new Inconclusive(`the target still answered ${describeAnswer(exchange)} after the documented backoff on ${usedKey ? labelOf(usedKey) : 'a pool key'}, ${usedKey === ANONYMOUS ? 'a request without a known key (no documented budget to judge it by)' : 'which this run may have pushed to its limit'}`);
      }
      return exchange;
    }
    return handedOver(exchange);
  }

  return { config, embedded, apiRoot, clock, scheduler, secrets, log, send, entryOf: (exchange) => entries.get(exchange), requestCount: () => requests, unusable: () => brokenTarget?.message };
}

let current: Promise<Session> | undefined;

/** The session of this worker, created on first use from what the global setup provided. */
export function getSession(): Promise<Session> {
  current ??= createSession(inject('runbase'));
  return current;
}
