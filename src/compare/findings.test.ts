// The pure part of compare: answers reduced to aspects, differences grouped into distinct findings,
// and the scores, on hand-made exchanges (test/proofs/compare.test.ts runs the whole thing over HTTP).
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../contract/exchange.ts';
import { aspectDistance, aspectsOf, compareContract } from './aspects.ts';
import { scoreItems, type ItemResult } from './compare.ts';
import { describeFinding } from './findings.ts';

const exchange = (status: number, json: unknown, headers: Record<string, string> = {}): Exchange =>
  ({ request: { method: 'GET', url: 'http://127.0.0.1/x', headers: {} }, response: { status, headers: { 'content-type': 'application/json', ...headers }, json, bodyText: JSON.stringify(json) } }) as unknown as Exchange;

function item(id: string, family: string, base: Exchange, candidate: Exchange): ItemResult {
  const [b, c] = [aspectsOf(base), aspectsOf(candidate)];
  const differences = compareContract.aspects.map((a) => a.name).filter((a) => b[a] !== c[a]).map((a) => ({ aspect: a, base: b[a]!, candidate: c[a]! }));
  return { id, family, item: { id, family, method: 'GET', path: '/x', auth: { none: true } }, base, candidate, noisy: [], differences };
}

const error = (code: string, extra: Record<string, unknown> = {}, inside: Record<string, unknown> = {}) => ({ error: { message: 'm', code, ...inside }, ...extra });

describe('compare aspects and findings', () => {
  it('splits an error body into the documented envelope and its extras; a documented field of another type is the envelope\'s', () => {
    const a = aspectsOf(exchange(404, error('run_not_found', { requestId: 'r' }, { status: 404 })));
    expect(a.envelope).toBe('error.code:string, error.message:string');
    expect(a.envelopeExtras).toBe('error.status:number, requestId:string');
    expect(aspectsOf(exchange(404, { error: { message: 'm', code: 7 } })).envelope).toBe('error.code:number, error.message:string');
    expect(aspectsOf(exchange(201, { id: 'run_1', tags: ['a'] }, { 'retry-after': '3' }))).toMatchObject({ body: 'id:string, tags[]:string', headers: 'retry-after', envelope: '-' });
    expect(aspectDistance('envelopeExtras', 'requestId:string', 'error.status:number, requestId:string')).toBe(1);
    expect(aspectDistance('status', '400', '415')).toBe(1);
  });

  it('groups by what differs: one finding per systematic difference, status and code of one answer together', () => {
    const items = [
      item('a-1', 'auth', exchange(401, error('missing_api_key', { requestId: 'x' })), exchange(401, error('missing_api_key'))),
      item('m-2', 'malformed', exchange(400, error('invalid_json', { requestId: 'y' })), exchange(400, error('invalid_json'))),
      item('c-3', 'content-types', exchange(415, error('unsupported_media_type', { requestId: 'z' })), exchange(400, error('invalid_json'))),
      item('s-4', 'success', exchange(201, { id: 'run_1', object: 'run' }), exchange(201, { id: 'run_2' })),
    ];
    const result = scoreItems(items, 1);
    expect(result.findings.map((f) => [f.id, describeFinding(f, 'production', 'emulator'), f.items.length, f.families])).toEqual([
      ['F1', 'status: 415 in production, 400 in emulator; code: unsupported_media_type in production, invalid_json in emulator', 1, ['content-types']],
      ['F2', 'body: object (string) in production only', 1, ['success']],
      ['F3', 'envelopeExtras: requestId (string) in production only', 3, ['auth', 'malformed', 'content-types']],
    ]);
    expect(result.findings[2]!.informational).toBe(true);
    // The informational aspect lowers its own fidelity, not the overall or a family's.
    expect(result.fidelity).toBe(2 / 4);
    expect(result.byFamily.auth!.fidelity).toBe(1);
    expect(result.byAspect.envelopeExtras).toEqual({ judged: 4, matching: 1, fidelity: 0.25, informational: true });
    expect(result.byAspect.status!.fidelity).toBe(0.75);
  });
});
