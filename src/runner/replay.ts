// `runbase-conformance --replay CASE`: sends one recorded failing case of the last run again, exactly as
// recorded (method, path as written, headers, body bytes), with the keys the report names by their
// fixture variables put back from this run's settings, and judges the answer with the check that
// failed. Exit 1: it still fails; 0: it holds now; 2: the case cannot be replayed (named why).
import { existsSync, readFileSync } from 'node:fs';
import { contract, type ErrorEntry } from '../contract/index.ts';
import type { Config } from '../settings/index.ts';
import type { Failure, RecordedExchange } from '../verdicts/result.ts';
import { ENCODED_PLACEHOLDER, redactText, secretsOf } from '../verdicts/redact.ts';
import { asWritten, createClient } from '../http/client.ts';
import type { Exchange } from '../contract/exchange.ts';
import { describeAnswer, hasDocumentedMessage, isNotError, isOneOfErrors } from '../oracles/error-answer.ts';
import { envelopeChecks } from '../oracles/envelope.ts';
import { no5xx, serverErrorShape } from '../oracles/server.ts';
import { createdRun } from '../oracles/runs.ts';
import { noSecretEcho } from '../oracles/secrets.ts';
import type { Violation } from '../oracles/types.ts';
import { fingerprintOf, findingOf, rerunCommands } from '../verdicts/fingerprint.ts';
import { EXIT } from '../report/outcomes.ts';
import { resolveTarget, type RunSettings } from './global-setup.ts';
import { GateArgsError, lastReport } from './gate-args.ts';

class ReplayError extends Error {}

/** The documented errors a recorded `expected` names ("401 invalid_api_key or 403 ip_not_allowed"). */
function entriesIn(text: string): ErrorEntry[] {
  const entries = [...text.matchAll(/(\d{3}) ([A-Za-z_]+)/g)].map(([, status, code]) => {
    const entry = contract.errors.errors.find((e) => e.code === code && String(e.status) === status);
    if (!entry) throw new ReplayError(`the recorded expectation names ${status} ${code}, which the contract does not document`);
    return entry;
  });
  if (entries.length === 0) throw new ReplayError(`the recorded expectation "${text}" names no documented error`);
  return entries;
}

interface ReplayContext { sentKey?: string }

/** Checks that judge one exchange, by the name a failure records; the expectation is rebuilt from it. */
const JUDGES: Record<string, (exchange: Exchange, failure: Failure, ctx: ReplayContext) => Violation[]> = {
  isOneOfErrors: (x, f) => isOneOfErrors(x, entriesIn(f.expected)),
  isNotError: (x, f) => isNotError(x, entriesIn(f.expected)[0]!),
  hasDocumentedMessage: (x, f) => {
    const entry = contract.errors.errors.find((e) => e.message !== undefined && JSON.stringify(e.message) === f.expected);
    if (!entry) throw new ReplayError('the recorded message is not a documented one');
    return hasDocumentedMessage(x, entry);
  },
  envelopeShape: (x) => envelopeChecks['ENV-SHAPE']!(x),
  codeMatchesStatus: (x) => envelopeChecks['ENV-CODE-STATUS']!(x),
  jsonContentType: (x) => envelopeChecks['ENV-CONTENT-TYPE']!(x),
  readableMessage: (x) => envelopeChecks['ENV-MESSAGE']!(x),
  no5xx: (x) => no5xx(x),
  serverErrorShape: (x) => serverErrorShape(x),
  createdRun: (x) => {
    const model = (x.request.body === undefined ? undefined : tryJson(Buffer.from(x.request.body).toString('utf8')) as { model?: unknown } | undefined)?.model;
    if (typeof model !== 'string') throw new ReplayError('the recorded create has no model to compare with');
    return createdRun(x, model);
  },
  noSecretEcho: (x, _f, ctx) => noSecretEcho(x, ctx.sentKey),
};

const tryJson = (text: string): unknown => { try { return JSON.parse(text); } catch { return undefined; } };

/** Placeholder ($RUNBASE_…, $RUNBASE_API_KEY[n], …#secret) → this run's value. */
function placeholderValues(config: Config): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, placeholder] of secretsOf(config)) {
    values.set(placeholder, key);
    if (key.startsWith(contract.limits.keys.prefix)) values.set(`${placeholder}#secret`, key.slice(contract.limits.keys.prefix.length));
  }
  // A one-key pool is recorded as $RUNBASE_API_KEY; a longer one as $RUNBASE_API_KEY[n]. Either reads the pool.
  return values;
}

const PLACEHOLDER = /\$RUNBASE_[A-Z0-9_]+(?:\[\d+\])?(?:#secret)?/g;

/** `text` with every placeholder filled from `values` (encoded ones rebuilt); a missing one is an error. */
function fill(text: string, values: Map<string, string>): string {
  if (/\[RUNBASE_[A-Z0-9_]+(#secret)? in (base64(url)?|hex)\]/.test(text)) throw new ReplayError('a key inside an encoded value was redacted in the report and cannot be rebuilt');
  const plain = (t: string) => t.replace(PLACEHOLDER, (p) => {
    const value = values.get(p);
    if (value === undefined) throw new ReplayError(`the case used ${p}, which this run's settings do not have`);
    return value;
  });
  return plain(text.replace(ENCODED_PLACEHOLDER, (_m, encoding: string, inner: string) =>
    Buffer.from(plain(inner.replace(/\\(.)/g, '$1')), 'utf8').toString(encoding as BufferEncoding)));
}

function recordedBody(request: RecordedExchange['request'], values: Map<string, string>): Buffer | undefined {
  if (request.bodyFile !== undefined) {
    if (!existsSync(request.bodyFile)) throw new ReplayError(`the case's body file ${request.bodyFile} is gone`);
    const bytes = readFileSync(request.bodyFile);
    return request.bodyFileVars?.length ? Buffer.from(fill(bytes.toString('utf8'), values), 'utf8') : bytes;
  }
  if (request.body === undefined) return undefined;
  if (request.bodyEncoding === 'base64') return Buffer.from(request.body, 'base64');
  if (/… \[\d+ more characters\]$/.test(request.body)) throw new ReplayError('the case\'s body was cut in the report and its whole file is missing');
  return Buffer.from(fill(request.body, values), 'utf8');
}

export async function replay(caseId: string, settings: RunSettings): Promise<number> {
  const { config } = settings;
  // The keys of the target the case goes to (a fresh embedded emulator has its own) never print.
  let secrets = secretsOf(config);
  const say = (line: string) => console.log(redactText(line, secrets));
  let stop = async () => {};
  try {
    const report = lastReport(config.reportDir);
    const failures = report.rules.flatMap((r) => r.failures);
    const failure = failures.find((f) => f.caseId === caseId);
    if (!failure) {
      const ids = failures.flatMap((f) => (f.caseId && f.exchange ? [f.caseId] : []));
      throw new ReplayError(`no failing case ${caseId} in the last run's report${ids.length ? `; its cases: ${ids.slice(0, 12).join(', ')}` : ' (it has none)'}`);
    }
    const rerun = rerunCommands(failure, report.seed).rule;
    const judge = JUDGES[failure.check];
    if (!failure.exchange || !judge) throw new ReplayError(`${caseId} (${failure.check}) is judged over several requests, not one; re-run its rule: ${rerun}`);
    // The embedded emulator is started afresh, with its own keys under the same fixture names.
    let target = config;
    if (config.target.kind !== 'remote') {
      const resolved = await resolveTarget(settings);
      stop = resolved.stop;
      target = resolved.target.config;
    }
    if (target.target.kind !== 'remote') throw new ReplayError('no target to send to');
    secrets = secretsOf(target);
    const values = placeholderValues(target);
    const { request } = failure.exchange;
    const url = target.target.origin + asWritten(fill(request.url, values)).path;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, fill(v, values)]));
    const body = recordedBody(request, values);
    const sentKey = new RegExp(`${contract.limits.keys.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S+`).exec(headers.authorization ?? '')?.[0];
    const client = createClient({ timeoutMs: target.timeoutMs, maxBodyBytes: 256 * 1024 });
    let exchange: Exchange;
    try {
      exchange = await client.send({ method: request.method, url, headers, ...(body ? { body } : {}) });
    } finally {
      await client.close();
    }
    const violations = judge(exchange, failure, sentKey ? { sentKey } : {});
    const recorded = failure.fingerprint ?? fingerprintOf(failure);
    say(`replay ${caseId} (${failure.ruleId}, fingerprint ${recorded}): ${request.method} ${asWritten(url).path} → ${describeAnswer(exchange)} (recorded: ${describeAnswer({ ...exchange, response: { ...exchange.response, status: failure.exchange.response.status, json: tryJson(failure.exchange.response.body) } })})`);
    if (violations.length === 0) {
      say(`verdict: holds now — ${failure.check} finds nothing wrong (the recorded failure does not reproduce)`);
      say(`exit ${EXIT.conforms}`);
      return EXIT.conforms;
    }
    for (const v of violations) {
      const fingerprint = fingerprintOf({ ...v, ruleId: failure.ruleId });
      say(`verdict: still fails — ${findingOf(v)} (fingerprint ${fingerprint}${fingerprint === recorded ? ', as recorded' : `, recorded ${recorded}`})`);
    }
    say(`re-run the rule: ${rerun}`);
    say(`exit ${EXIT.broken}`);
    return EXIT.broken;
  } catch (error) {
    if (error instanceof ReplayError || error instanceof GateArgsError) {
      console.error(redactText(`replay: ${error.message}`, secrets));
      return EXIT.error;
    }
    throw error;
  } finally {
    await stop();
  }
}
