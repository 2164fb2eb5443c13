// Oracles for the success path: the run object as documented (runbase-api.md §5).
import type { Exchange } from '../contract/exchange.ts';
import { contract } from '../contract/index.ts';
import { describeAnswer } from './error-answer.ts';
import { violation, type Violation, isRecord } from './types.ts';

const runs = () => contract.limits.runs;

function hasStatus(exchange: Exchange, status: number, check: string): Violation[] {
  return exchange.response.status === status ? [] : violation(check, `expected ${status}`, String(status), describeAnswer(exchange));
}

/** RUN-CREATE: 201 with id, the requested model, status pending and an integer costUsd ≥ 0. */
export function createdRun(exchange: Exchange, requestedModel: string): Violation[] {
  const status = hasStatus(exchange, contract.limits.endpoints.createRun.successStatus, 'createdRun');
  if (status.length) return status;
  const body = exchange.response.json;
  if (!isRecord(body)) return violation('createdRun', 'the 201 body is not a JSON object', 'a run object', exchange.response.bodyText.slice(0, 160));
  const out: Violation[] = [];
  if (typeof body.id !== 'string' || !body.id.startsWith(runs().idPrefix)) out.push(...violation('createdRun', 'id is not a run id', `a string starting with ${runs().idPrefix}`, JSON.stringify(body.id)));
  if (body.model !== requestedModel) out.push(...violation('createdRun', 'model differs from the request', JSON.stringify(requestedModel), JSON.stringify(body.model)));
  if (body.status !== runs().initialStatus) out.push(...violation('createdRun', 'a new run is not pending', JSON.stringify(runs().initialStatus), JSON.stringify(body.status)));
  if (!Number.isInteger(body.costUsd) || (body.costUsd as number) < 0) out.push(...violation('createdRun', 'costUsd is not an integer ≥ 0 (micro-USD)', 'integer ≥ 0', JSON.stringify(body.costUsd)));
  return out;
}

/** RUN-READ: 200 and a documented status. Returns the status seen, for the monotonic check. */
export function readRun(exchange: Exchange): { violations: Violation[]; status?: string } {
  const status = hasStatus(exchange, contract.limits.endpoints.readRun.successStatus, 'readRun');
  if (status.length) return { violations: status };
  const body = exchange.response.json;
  const value = isRecord(body) ? body.status : undefined;
  if (typeof value !== 'string' || !runs().statuses.includes(value)) {
    return { violations: violation('readRun', 'status is not a documented run status', runs().statuses.join(' | '), JSON.stringify(value)) };
  }
  return { violations: [], status: value };
}

/** RUN-READ: a run's status never moves backwards along pending → processing → succeeded | failed. */
export function statusNeverBackwards(history: readonly string[]): Violation[] {
  const rank = (s: string) => Math.min(runs().statuses.indexOf(s), runs().statuses.indexOf(runs().terminalStatuses[0]!));
  for (let i = 1; i < history.length; i++) {
    const [before, after] = [history[i - 1]!, history[i]!];
    const terminalChanged = runs().terminalStatuses.includes(before) && before !== after;
    if (rank(after) < rank(before) || terminalChanged) {
      return violation('statusNeverBackwards', 'the run status moved backwards', 'pending → processing → succeeded | failed', history.join(' → '));
    }
  }
  return [];
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RUN-SUCCEEDED: output.urls non-empty array of URLs, and completedAt ≥ createdAt. */
export function succeededRun(exchange: Exchange): Violation[] {
  const body = exchange.response.json;
  if (!isRecord(body) || body.status !== runs().terminalStatuses[0]) return [];
  const out: Violation[] = [];
  const urls = isRecord(body.output) ? body.output.urls : undefined;
  const isUrl = (u: unknown) => typeof u === 'string' && URL.canParse(u);
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every(isUrl)) out.push(...violation('succeededRun', 'output.urls is not a non-empty array of URLs', 'output.urls: [url, …]', JSON.stringify(urls)));
  const [created, completed] = [body.createdAt, body.completedAt];
  const valid = (t: unknown): t is string => typeof t === 'string' && ISO_MS.test(t) && !Number.isNaN(Date.parse(t));
  if (!valid(created) || !valid(completed)) out.push(...violation('succeededRun', 'createdAt/completedAt are not ISO-8601 timestamps', 'ISO-8601 timestamps', `createdAt ${JSON.stringify(created)}, completedAt ${JSON.stringify(completed)}`));
  else if (Date.parse(completed) < Date.parse(created)) out.push(...violation('succeededRun', 'completedAt is before createdAt', 'completedAt ≥ createdAt', `${created} → ${completed}`));
  return out;
}

/** RUN-CHARGE-REFUND (the run it had fail): "a failed run carries `error` describing what went wrong" (its shape is open, so any non-empty string or object). */
export function failedRunDescribed(exchange: Exchange): Violation[] {
  const body = exchange.response.json;
  if (!isRecord(body) || body.status !== runs().terminalStatuses[1]) return [];
  const error = body.error;
  const describes = (typeof error === 'string' && error.trim() !== '') || (isRecord(error) && Object.keys(error).length > 0);
  return describes ? [] : violation('failedRunDescribed', 'a failed run carries no error describing what went wrong', 'error: a non-empty string or object', JSON.stringify(error) ?? 'no error field');
}
