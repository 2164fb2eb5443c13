import { describe, expect, it } from 'vitest';
import { errorByCode } from '../contract/index.ts';
import type { Exchange } from '../contract/exchange.ts';
import { isOneOfErrors, isNotError, hasDocumentedMessage, matchingError, describeAnswer } from './error-answer.ts';
import { envelopeShape, codeMatchesStatus, jsonContentType, readableMessage, extraEnvelopeFields } from './envelope.ts';
import { no5xx, serverErrorShape } from './server.ts';
import { noSecretEcho } from './secrets.ts';
import { duplicateKeys, noDuplicateKeys } from './json-bytes.ts';
import { createdRun, readRun, statusNeverBackwards, succeededRun } from './runs.ts';
import { admissionExpected, commonBoundaryPossible, insideOneWindow, judgeRepeatedBursts, possiblyInWindow, provablyAdmittedInWindow, refusalExpected, REPEATED_BURSTS, type TimedSend } from './rate-window.ts';

function answer(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Exchange {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try { json = JSON.parse(bodyText); } catch { json = undefined; }
  return {
    request: { method: 'GET', url: 'http://127.0.0.1/api/v1/runs/x', headers: {} },
    response: { status, headers, bodyText, truncated: false, ...(json === undefined ? {} : { json }) },
    startedAt: 0,
    durationMs: 1,
  };
}
const err = (status: number, code: string, message = 'Something went wrong with this request.') => answer(status, { error: { message, code } });

describe('error answers', () => {
  const missingKey = errorByCode('missing_api_key');
  const invalidKey = errorByCode('invalid_api_key');

  it('accepts exactly the documented status and code', () => {
    expect(isOneOfErrors(err(401, 'missing_api_key'), [missingKey])).toEqual([]);
  });

  it('rejects the right code with the wrong status, and the wrong case', () => {
    expect(isOneOfErrors(err(400, 'missing_api_key'), [missingKey])[0]?.actual).toBe('400 missing_api_key');
    expect(isOneOfErrors(err(401, 'MISSING_API_KEY'), [missingKey])).toHaveLength(1);
    expect(isOneOfErrors(err(429, 'rate_limited'), [errorByCode('RATE_LIMITED')])).toHaveLength(1);
  });

  it('takes any one of several faults, and says which won', () => {
    expect(isOneOfErrors(err(401, 'invalid_api_key'), [missingKey, invalidKey])).toEqual([]);
    expect(matchingError(err(401, 'invalid_api_key'), [missingKey, invalidKey])?.code).toBe('invalid_api_key');
    expect(isOneOfErrors(err(400, 'invalid_json'), [missingKey, invalidKey])[0]?.expected).toBe('401 missing_api_key or 401 invalid_api_key');
  });

  it('describes answers without an envelope', () => {
    expect(describeAnswer(answer(401, 'nope', {}))).toBe('401 <no error envelope>');
    expect(describeAnswer(answer(201, { id: 'run_1' }))).toBe('201');
  });

  it('checks "not this error" and the one documented message', () => {
    const limited = errorByCode('RATE_LIMITED');
    expect(isNotError(err(429, 'RATE_LIMITED'), limited)).toHaveLength(1);
    expect(isNotError(err(429, 'USAGE_EXCEEDED'), limited)).toEqual([]);
    expect(hasDocumentedMessage(err(429, 'RATE_LIMITED', 'Rate limit exceeded'), limited)).toEqual([]);
    expect(hasDocumentedMessage(err(429, 'RATE_LIMITED', 'rate limit exceeded'), limited)).toHaveLength(1);
    expect(hasDocumentedMessage(err(401, 'missing_api_key', 'x'), missingKey)).toEqual([]);
  });
});

describe('envelope checks', () => {
  it('ENV-SHAPE: flat, missing message, non-JSON and non-string code fail; other statuses are not judged', () => {
    expect(envelopeShape(err(400, 'invalid_json'))).toEqual([]);
    expect(envelopeShape(answer(400, { message: 'x', code: 'invalid_json' }))).toHaveLength(1);
    expect(envelopeShape(answer(400, { error: { code: 'invalid_json' } }))).toHaveLength(1);
    expect(envelopeShape(answer(400, { error: { message: 'x', code: 4 } }))).toHaveLength(1);
    expect(envelopeShape(answer(401, '<html>Unauthorized</html>', { 'content-type': 'text/html' }))).toHaveLength(1);
    expect(envelopeShape(answer(405, 'Method Not Allowed'))).toEqual([]);
  });

  it('ENV-CODE-STATUS: a code of another status, or in the wrong case, fails', () => {
    expect(codeMatchesStatus(err(403, 'ip_not_allowed'))).toEqual([]);
    expect(codeMatchesStatus(err(403, 'invalid_api_key'))).toHaveLength(1);
    expect(codeMatchesStatus(err(429, 'rate_limited'))).toHaveLength(1);
    expect(codeMatchesStatus(err(404, 'not_found'))).toHaveLength(1);
  });

  it('ENV-CONTENT-TYPE: parameters allowed, other types fail', () => {
    expect(jsonContentType(answer(400, {}, { 'content-type': 'application/json; charset=utf-8' }))).toEqual([]);
    expect(jsonContentType(answer(400, {}, { 'content-type': 'text/plain' }))).toHaveLength(1);
    expect(jsonContentType(answer(400, {}, {}))).toHaveLength(1);
  });

  it('ENV-MESSAGE: empty, the bare code, and stack traces fail', () => {
    expect(readableMessage(err(400, 'invalid_json', 'The body is not valid JSON.'))).toEqual([]);
    expect(readableMessage(err(400, 'invalid_json', ''))).toHaveLength(1);
    expect(readableMessage(err(400, 'invalid_json', 'invalid_json'))).toHaveLength(1);
    expect(readableMessage(err(400, 'invalid_json', 'SyntaxError: Unexpected token at JSON.parse (/srv/app/handler.js:12:7)'))).toHaveLength(1);
  });

  it('ENV-EXTRA-FIELDS lists fields beside error, message and code', () => {
    expect(extraEnvelopeFields(answer(400, { error: { message: 'm', code: 'invalid_json', details: [] }, requestId: 'r' }))).toEqual(['requestId', 'error.details']);
  });
});

describe('server and secrets', () => {
  it('SRV-NO-5XX and SRV-500-SHAPE', () => {
    expect(no5xx(err(400, 'invalid_json'))).toEqual([]);
    expect(no5xx(answer(502, 'Bad gateway'))).toHaveLength(1);
    expect(serverErrorShape(answer(500, { error: { message: 'Internal error', code: 'internal' } }))).toEqual([]);
    expect(serverErrorShape(answer(500, 'Internal Server Error'))).toHaveLength(1);
  });

  it('SEC-NO-SECRET-ECHO finds the key, or its secret part, in body and headers', () => {
    const key = 'sk-live0123456789abcdef';
    expect(noSecretEcho(err(401, 'invalid_api_key', 'Invalid API key.'), key)).toEqual([]);
    expect(noSecretEcho(err(401, 'invalid_api_key', `Key ${key} is invalid.`), key)).toHaveLength(1);
    expect(noSecretEcho(err(401, 'invalid_api_key', 'Key live0123456789abcdef is invalid.'), key)).toHaveLength(1);
    expect(noSecretEcho(answer(200, {}, { 'x-debug-key': key }), key)[0]?.actual).toContain('header x-debug-key');
  });
});

describe('run oracles', () => {
  it('RUN-CREATE: 201, run id, same model, pending, integer cost', () => {
    expect(createdRun(answer(201, { id: 'run_abc', model: 'm/a', status: 'pending', costUsd: 40000 }), 'm/a')).toEqual([]);
    expect(createdRun(answer(200, { id: 'run_abc', model: 'm/a', status: 'pending', costUsd: 40000 }), 'm/a')).toHaveLength(1);
    expect(createdRun(answer(201, { id: 'abc', model: 'm/b', status: 'queued', costUsd: 0.04 }), 'm/a')).toHaveLength(4);
  });

  it('RUN-READ: documented statuses, never backwards', () => {
    expect(readRun(answer(200, { status: 'processing' })).status).toBe('processing');
    expect(readRun(answer(200, { status: 'done' })).violations).toHaveLength(1);
    expect(statusNeverBackwards(['pending', 'pending', 'processing', 'succeeded'])).toEqual([]);
    expect(statusNeverBackwards(['pending', 'processing', 'failed', 'failed'])).toEqual([]);
    expect(statusNeverBackwards(['processing', 'pending'])).toHaveLength(1);
    expect(statusNeverBackwards(['succeeded', 'failed'])).toHaveLength(1);
  });

  it('RUN-SUCCEEDED: urls and ordered timestamps', () => {
    const ok = { status: 'succeeded', output: { urls: ['https://cdn.example/a.png'] }, createdAt: '2026-06-01T12:00:00.000Z', completedAt: '2026-06-01T12:00:04.200Z' };
    expect(succeededRun(answer(200, ok))).toEqual([]);
    expect(succeededRun(answer(200, { ...ok, output: { urls: [] } }))).toHaveLength(1);
    expect(succeededRun(answer(200, { ...ok, completedAt: '2026-06-01T11:59:00.000Z' }))).toHaveLength(1);
  });
});

describe('rate-window judgements from send and receive times', () => {
  const limit = { requests: 3, windowMs: 1000 };
  let seq = 0;
  const sent = (sentAt: number, receivedAt: number, admitted = true): TimedSend => ({ sentAt, receivedAt, sentSeq: seq++, receivedSeq: seq++, admitted });

  it('expects admission only where fewer than the limit can have been counted before', () => {
    const history = [sent(0, 100), sent(100, 200), sent(200, 300)];
    const next = sent(300, 400);
    expect(possiblyInWindow(next, [...history, next], limit)).toBe(3);
    expect(admissionExpected(next, [...history, next], limit)).toBe(false);
    // One window after the first answer, it can no longer count.
    const later = sent(1101, 1200);
    expect(admissionExpected(later, [...history, later], limit)).toBe(true);
  });

  it('expects refusal only where the limit was surely admitted within the window before', () => {
    const history = [sent(0, 100), sent(100, 200), sent(200, 300)];
    const next = sent(300, 400);
    expect(provablyAdmittedInWindow(next, [...history, next], limit)).toBe(3);
    expect(refusalExpected(next, [...history, next], limit)).toBe(true);
    // A slow answer: the first request may have left the window by the time this one was counted.
    const slow = sent(300, 1050);
    expect(refusalExpected(slow, [...history, slow], limit)).toBe(false);
    // Sent at once (overlapping), nothing is surely before anything.
    const burst = [sent(0, 500), sent(0, 500), sent(0, 500), sent(0, 500)].map((s, i, all) => ({ ...s, sentSeq: i, receivedSeq: all.length + i }));
    expect(burst.some((s) => refusalExpected(s, burst, limit))).toBe(false);
    expect(insideOneWindow(burst, limit)).toBe(true);
    expect(insideOneWindow([sent(0, 600), sent(0, 1000)], limit)).toBe(false);
  });
});

describe('answers judged as bytes', () => {
  const answer = (status: number, bodyText: string, extra: Partial<Exchange['response']> = {}): Exchange => ({
    request: { method: 'GET', url: 'http://127.0.0.1/api/v1/runs/x', headers: {} },
    response: { status, headers: { 'content-type': 'application/json' }, bodyText, truncated: false, json: JSON.parse(bodyText), ...extra },
    startedAt: 0, durationMs: 1,
  });

  it('ENV-DUPLICATE-KEYS: names each repeated key by its path; JSON.parse alone would keep the last value', () => {
    expect(duplicateKeys('{"error":{"code":"wrong","message":"m","code":"run_not_found"}}')).toEqual(['error.code']);
    expect(duplicateKeys('{"a":[{"b":1,"b":2}],"a":3}')).toEqual(['a[0].b', 'a']);
    expect(duplicateKeys('{"a":"\\"b\\":1","b":2}')).toEqual([]);
    expect(duplicateKeys('{"a":')).toBeUndefined();
    const [v] = noDuplicateKeys(answer(404, '{"error":{"code":"x","message":"m","code":"run_not_found"}}'));
    expect(v?.message).toContain('error.code');
  });

  it('ENV-SHAPE: an envelope whose bytes are not UTF-8 fails, naming the field', () => {
    const [v] = envelopeShape(answer(404, '{"error":{"message":"bad \uFFFD","code":"run_not_found"}}', { invalidUtf8: true }));
    expect(v?.message).toBe('the error body is not valid UTF-8 (in error.message)');
    expect(envelopeShape(answer(404, '{"error":{"message":"fine \uFFFD","code":"run_not_found"}}'))).toEqual([]);
  });
});

describe('repeated over-admission (RL-EXACT-LIMIT-REPEATED)', () => {
  const limit = { requests: 20, windowMs: 10_000 };
  /** A burst of `n` requests sent at `at`, answered `span` ms later; the last `refused` of them 429. */
  const burstAt = (at: number, n = 21, refused = 0, span = 40): TimedSend[] =>
    Array.from({ length: n }, (_, i) => ({ sentAt: at, receivedAt: at + span, sentSeq: i, receivedSeq: n + i, admitted: i < n - refused }));

  it('gates three bursts admitted whole, started a third of a window apart, naming the chance', () => {
    const verdict = judgeRepeatedBursts([burstAt(1_000), burstAt(14_333), burstAt(27_667)], limit);
    expect(verdict.kind).toBe('over-limit');
    expect((verdict as { reason: string }).reason).toMatch(/under 0\.013 %/);
    expect(REPEATED_BURSTS.maxSpanFraction ** REPEATED_BURSTS.bursts).toBeLessThan(0.01);
  });

  it('a single over-admission is no gate failure: one burst admitted whole, the others refused at the limit', () => {
    expect(judgeRepeatedBursts([burstAt(1_000), burstAt(14_333, 21, 1), burstAt(27_667, 21, 1)], limit)).toEqual({ kind: 'within-limit' });
  });

  it('is inconclusive when one wall-clock boundary could cut every burst, or a burst was slow', () => {
    const same = [burstAt(9_990), burstAt(29_990), burstAt(49_990)];
    expect(commonBoundaryPossible(same, limit)).toBe(true);
    expect(judgeRepeatedBursts(same, limit).kind).toBe('inconclusive');
    expect(judgeRepeatedBursts([burstAt(1_000), burstAt(14_333, 21, 0, 600), burstAt(27_667)], limit)).toMatchObject({ kind: 'inconclusive', reason: expect.stringMatching(/took 600 ms/) });
  });
});
