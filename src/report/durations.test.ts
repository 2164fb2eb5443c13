// Rule durations in every report: junit time in seconds, the slowest rules in conformance.md, and a
// shard's report listing its own rules only.
import { describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { buildReport } from './model.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown, slowest } from './markdown.ts';
import { rulesOfShard } from '../contract/shard.ts';

function result(id: string, durationMs: number): RuleResult {
  const e = contract.rules.rules.find((r) => r.id === id)!;
  return { id, title: e.title, family: e.family, level: e.level, doc: e.doc, oracle: e.oracle, verdict: 'passed', cases: 1, requests: 3, failures: [], observations: [], notes: [], durationMs };
}

const base = { target: { apiRoot: 'http://127.0.0.1:1/api/v1', embedded: true }, seed: 1, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:05.000Z', requests: 9, exitCode: 0, settings: { runs: 1, strict: false, requireAll: false, allowBillable: true }, environmentEvents: [], errors: [] };
const [a, b, c] = contract.rules.rules.map((r) => r.id);

describe('durations in the reports', () => {
  const report = buildReport({ ...base, rules: [result(a!, 1234), result(b!, 65_000), result(c!, 7)] });

  it('gives junit each rule its own time in seconds, and the suite the run span', () => {
    const junit = renderJunit(report);
    expect(junit).toContain(`name="${a}: ${report.rules[0]!.title}" time="1.234"`);
    expect(junit).toContain('time="65.000">');
    expect(junit).toMatch(/<testsuite [^>]*time="65\.000"/);
  });

  it('lists the slowest rules in conformance.md, longest first', () => {
    expect(slowest(report, 2).map((r) => r.id)).toEqual([b, a]);
    const md = renderMarkdown(report);
    expect(md).toContain('## Slowest rules');
    expect(md).toContain(`| ${b} | 1 min 5 s | 3 |`);
    expect(md.indexOf(`| ${b} |`, md.indexOf('## Slowest rules'))).toBeLessThan(md.indexOf(`| ${a} | 1.2 s |`));
  });

  it('a shard report lists and counts its own rules only', () => {
    const shard = { index: 2, count: 3 };
    const own = rulesOfShard(shard);
    const sharded = buildReport({ ...base, shard, rules: [result(own[0]!, 5)] });
    expect(sharded.rules.map((r) => r.id)).toEqual(own);
    expect(sharded.summary.passed + sharded.summary.skipped).toBe(own.length);
  });
});
