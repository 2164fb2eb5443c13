import { describe, expect, it } from 'vitest';
import type { Exchange } from '../contract/exchange.ts';
import { runNotDisclosed } from './run-leak.ts';

const exchange = (status: number, body: unknown): Exchange => {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    request: { method: 'GET', url: 'http://127.0.0.1:1/api/v1/runs/run_abc/', headers: {} },
    response: { status, headers: {}, bodyText, truncated: false, ...(typeof body === 'string' ? {} : { json: body }) },
    startedAt: 0, durationMs: 1,
  };
};

describe('runNotDisclosed', () => {
  it('fails the run handed over, under any status', () => {
    expect(runNotDisclosed(exchange(200, { id: 'run_abc', status: 'pending' }), 'run_abc')).toHaveLength(1);
    expect(runNotDisclosed(exchange(404, { id: 'run_abc', status: 'pending' }), 'run_abc')).toHaveLength(1);
    expect(runNotDisclosed(exchange(200, '<pre>run_abc succeeded</pre>'), 'run_abc')).toHaveLength(1);
  });

  it('passes every other answer, even one that names the id in an error', () => {
    expect(runNotDisclosed(exchange(404, { error: { message: 'run run_abc not found', code: 'run_not_found' } }), 'run_abc')).toEqual([]);
    expect(runNotDisclosed(exchange(301, 'moved to /api/v1/runs/run_abc'), 'run_abc')).toEqual([]);
    expect(runNotDisclosed(exchange(200, { id: 'run_other' }), 'run_abc')).toEqual([]);
    expect(runNotDisclosed(exchange(400, 'bad path'), 'run_abc')).toEqual([]);
  });
});
