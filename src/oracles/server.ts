import type { Exchange } from '../contract/exchange.ts';
import { codesForStatus } from '../contract/index.ts';
import { envelopeShape } from './envelope.ts';
import { describeAnswer, readErrorBody } from './error-answer.ts';
import { isRecord, violation, type Check, type Violation } from './types.ts';

/** SRV-NO-5XX: never a 5xx. */
export const no5xx: Check = (exchange) =>
  exchange.response.status >= 500 ? violation('no5xx', 'the target answered with a server error', 'a status below 500', `${exchange.response.status}`) : [];

/** SRV-500-SHAPE: a 500 still carries the error envelope. */
export const serverErrorShape: Check = (exchange) => {
  if (exchange.response.status !== 500) return [];
  // envelopeShape only looks at documented error statuses; judge the 500 as if it were one.
  const as400: Exchange = { ...exchange, response: { ...exchange.response, status: 400 } };
  return envelopeShape(as400).map((v) => ({ ...v, check: 'serverErrorShape', message: `500 without the envelope: ${v.message}` }));
};

/**
 * SRV-NO-5XX's own hostile creates: the answer is one the endpoint documents — an error with a code
 * documented for its status, or (where the body may name a real model) a created run. A 5xx is
 * no5xx's to report.
 */
export function documentedCreateAnswer(exchange: Exchange, mayCreate: boolean): Violation[] {
  const { status, json } = exchange.response;
  if (status >= 500) return [];
  const error = readErrorBody(exchange);
  if (error && codesForStatus(status).includes(error.code)) return [];
  // Which 2xx and which run fields are RUN-CREATE's to judge; here, only that it is a run at all.
  const created = mayCreate && status >= 200 && status < 300 && isRecord(json) && typeof json.id === 'string';
  if (created) return [];
  return violation('documentedCreateAnswer', 'a hostile create got an answer the API does not document', `a documented error${mayCreate ? ' or a created run' : ''}`, describeAnswer(exchange));
}
