// The envelope checks. They run on every error answer any rule sees (see src/conformance/session.ts),
// registered here by rule id so the report speaks in rule ids.
import type { Exchange } from '../contract/exchange.ts';
import { codesForStatus, documentedErrorStatuses } from '../contract/index.ts';
import { readErrorBody } from './error-answer.ts';
import { violation, type Check, type Violation, isRecord } from './types.ts';


export const hasDocumentedErrorStatus = (exchange: Exchange): boolean =>
  documentedErrorStatuses().includes(exchange.response.status);

/** ENV-SHAPE: {"error": {"message": string, "code": string}}. */
export const envelopeShape: Check = (exchange) => {
  if (!hasDocumentedErrorStatus(exchange)) return [];
  const body = exchange.response.json;
  if (body === undefined) return violation('envelopeShape', 'error body is not JSON', '{"error":{"message":string,"code":string}}', snippet(exchange.response.bodyText));
  if (!isRecord(body) || !isRecord(body.error)) return violation('envelopeShape', 'no "error" object in the body', '{"error":{"message":string,"code":string}}', snippet(exchange.response.bodyText));
  const wrong = (['message', 'code'] as const).filter((f) => typeof (body.error as Record<string, unknown>)[f] !== 'string');
  return wrong.length === 0 ? [] : violation('envelopeShape', `error.${wrong.join(' and error.')} not a string`, '{"error":{"message":string,"code":string}}', snippet(exchange.response.bodyText));
};

/** ENV-CODE-STATUS: the code is one documented for the status, exact case. */
export const codeMatchesStatus: Check = (exchange) => {
  if (!hasDocumentedErrorStatus(exchange)) return [];
  const error = readErrorBody(exchange);
  if (!error) return []; // ENV-SHAPE's business
  const allowed = codesForStatus(exchange.response.status);
  return allowed.includes(error.code) ? [] : violation('codeMatchesStatus', `code not documented for ${exchange.response.status}`, allowed.join(' | '), error.code);
};

/** ENV-CONTENT-TYPE: application/json, parameters allowed. */
export const jsonContentType: Check = (exchange) => {
  if (!hasDocumentedErrorStatus(exchange)) return [];
  const type = exchange.response.headers['content-type'] ?? '';
  return /^application\/json\s*(;|$)/i.test(type) ? [] : violation('jsonContentType', 'error response is not application/json', 'application/json', type || '<none>');
};

// A stack frame ("at foo (file.js:1:2)"), a file path, or an exception class name in a message.
const INTERNALS = [/\bat .+:\d+:\d+/, /(^|[\s(])(\/[\w.-]+){2,}/, /[A-Z]:\\[\w\\]/, /\b(Type|Reference|Syntax|Range)Error\b/, /node_modules|\.(js|ts|py|go|java|rb):\d+/];

/** ENV-MESSAGE: non-empty, not just the code, no stack trace or internal path. */
export const readableMessage: Check = (exchange) => {
  const error = readErrorBody(exchange);
  if (!hasDocumentedErrorStatus(exchange) || !error) return [];
  const text = error.message.trim();
  if (text === '') return violation('readableMessage', 'message is empty', 'a human-readable message', '""');
  if (text.toLowerCase() === error.code.toLowerCase()) return violation('readableMessage', 'message is just the code', 'a human-readable message', JSON.stringify(text));
  const leak = INTERNALS.find((re) => re.test(text));
  return leak ? violation('readableMessage', 'message shows internals (stack trace or path)', 'no internals', JSON.stringify(text.slice(0, 200))) : [];
};

/** ENV-EXTRA-FIELDS (observe): fields beside message and code, or beside error. */
export function extraEnvelopeFields(exchange: Exchange): string[] {
  const body = exchange.response.json;
  if (!hasDocumentedErrorStatus(exchange) || !isRecord(body)) return [];
  const top = Object.keys(body).filter((k) => k !== 'error').map((k) => k);
  const inner = isRecord(body.error) ? Object.keys(body.error).filter((k) => k !== 'message' && k !== 'code').map((k) => `error.${k}`) : [];
  return [...top, ...inner];
}

function snippet(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}…` : text || '<empty body>';
}

/** The envelope checks by rule id: what runs on every exchange. */
export const envelopeChecks: Record<string, Check> = {
  'ENV-SHAPE': envelopeShape,
  'ENV-CODE-STATUS': codeMatchesStatus,
  'ENV-CONTENT-TYPE': jsonContentType,
  'ENV-MESSAGE': readableMessage,
};
