// Secrets in every encoding: the SEC-NO-SECRET-ECHO oracle and the redaction of every output.
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../contract/exchange.ts';
import { noSecretEcho, encodedSecretForms } from './secrets.ts';
import { redactText } from '../verdicts/redact.ts';
import { curlCommand } from '../report/curl.ts';
import { PLANTED_FORMS } from '../selftest/hostile.ts';

const KEY = 'sk-live0123456789abcdef/+Q';
const SECRET = KEY.slice(3);

function answer(body: string, headers: Record<string, string> = {}): Exchange {
  return {
    request: { method: 'GET', url: 'http://127.0.0.1:1/api/v1/runs/run_x', headers: {} },
    response: { status: 401, headers: { 'content-type': 'application/json', ...headers }, bodyText: body, truncated: false },
    startedAt: 0, durationMs: 1,
  };
}

const b64 = (text: string, enc: BufferEncoding = 'base64') => Buffer.from(text).toString(enc);
const ENCODED_ECHOES = PLANTED_FORMS;

describe('SEC-NO-SECRET-ECHO in every encoding', () => {
  it('no echo, no violation', () => {
    expect(noSecretEcho(answer('{"error":{"code":"invalid_api_key","message":"Invalid API key."}}'), KEY)).toEqual([]);
  });

  it.each(ENCODED_ECHOES)('finds the key written %s in the body and in a header', (_name, encode) => {
    expect(noSecretEcho(answer(`{"error":{"code":"invalid_api_key","message":"bad ${encode(KEY)} here"}}`), KEY)).toHaveLength(1);
    expect(noSecretEcho(answer('{}', { 'x-debug': `v=${encode(KEY)};` }), KEY)[0]?.actual).toContain('header x-debug');
  });

  it('names the encoding it found', () => {
    expect(noSecretEcho(answer(`"${b64(`user:${KEY}`)}"`), KEY)[0]?.actual).toMatch(/body \(base64\)/);
  });

  it('sees through a Basic token: the key inside base64("user:"+key) is what was sent', () => {
    const sent = b64(`user:${KEY}`);
    expect(noSecretEcho(answer(`{"message":"key ${KEY} rejected"}`), sent)).toHaveLength(1);
  });

  it('every form is long enough not to match by accident', () => {
    for (const f of encodedSecretForms(KEY)) expect(f.text.length).toBeGreaterThanOrEqual(8);
  });
});

describe('redaction in every encoding', () => {
  const secrets = new Map([[KEY, '$RUNBASE_API_KEY']]);

  it.each(ENCODED_ECHOES)('leaves no trace of the key written %s, nor of any other encoded form', (_name, encode) => {
    const out = redactText(`before ${encode(KEY)} after`, secrets);
    for (const [, other] of ENCODED_ECHOES) expect(out).not.toContain(other(KEY));
    expect(out).not.toContain(SECRET.slice(0, 12));
  });

  it('rebuilds a whole base64 value from the variable, and the curl encodes it in the shell', () => {
    const header = redactText(`Basic ${b64(`user:${KEY}`)}`, secrets);
    expect(header).toBe('Basic [base64 of user:$RUNBASE_API_KEY]');
    const curl = curlCommand({ request: { method: 'GET', url: 'http://127.0.0.1:1/api/v1/runs/x', headers: { authorization: header } }, response: { status: 401, headers: {}, body: '', truncated: false }, durationMs: 1 });
    expect(curl).toContain(`-H 'authorization: Basic '"$(printf %s 'user:'"\${RUNBASE_API_KEY}" | base64 | tr -d '\\n')"`);
    expect(curl).not.toContain(SECRET);
  });

  it('marks a key inside an encoded value that cannot be decoded whole, and the curl says so', () => {
    const text = redactText(`zz${b64(`ab${KEY}zz`)}`, secrets);
    expect(text).toMatch(/\[RUNBASE_API_KEY in base64\]/);
    const curl = curlCommand({ request: { method: 'GET', url: 'http://127.0.0.1:1/x', headers: { 'x-token': text } }, response: { status: 401, headers: {}, body: '', truncated: false }, durationMs: 1 });
    expect(curl).toMatch(/^# a key inside an encoded value was redacted/);
  });
});

describe('redaction and the oracle on huge bodies', () => {
  it('a 10 MB run of base64 letters neither overflows nor hides a key written in base64 inside it', () => {
    const secrets = new Map([[KEY, '$RUNBASE_API_KEY']]);
    expect(redactText(`{"prompt":"${'x'.repeat(10_000_000)}"}`, secrets)).toHaveLength(10_000_000 + 13);
    const hidden = `zz${Buffer.from(`${'y'.repeat(5000)}${KEY}`).toString('base64')}`;
    expect(redactText(hidden, secrets)).toMatch(/\[RUNBASE_API_KEY in base64\]/);
    expect(noSecretEcho(answer(hidden), KEY)).toHaveLength(1);
  });
});
