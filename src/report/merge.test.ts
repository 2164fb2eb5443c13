// Merging shards under RUNBASE_REQUIRE_ALL: a skip fails the merged run, except a rule that judges
// only answers a conforming target never gives (onlyOn: SRV-500-SHAPE without a 500).
import { describe, expect, it } from 'vitest';
import { contract } from '../contract/index.ts';
import { rulesOfShard } from '../contract/shard.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { buildReport } from './model.ts';
import { mergeReports } from './merge.ts';

function result(id: string, verdict: RuleResult['verdict']): RuleResult {
  const e = contract.rules.rules.find((r) => r.id === id)!;
  return { id, title: e.title, family: e.family, level: e.level, doc: e.doc, oracle: e.oracle, verdict, cases: verdict === 'skipped' ? 0 : 1, requests: 1, failures: [], observations: [], notes: [] };
}

/** Two shards of a run in which every rule passed but `skipped`, under RUNBASE_REQUIRE_ALL. */
function shards(skipped: string) {
  return [1, 2].map((index) => {
    const shard = { index, count: 2 };
    return buildReport({
      target: { apiRoot: 'http://127.0.0.1:1/api/v1', embedded: false }, seed: 1, shard,
      startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', requests: 1, exitCode: 0,
      settings: { runs: 1, strict: false, requireAll: true, allowBillable: true }, environmentEvents: [], errors: [],
      rules: rulesOfShard(shard).map((id) => result(id, id === skipped ? 'skipped' : 'passed')),
    });
  });
}

describe('merging shards under RUNBASE_REQUIRE_ALL', () => {
  it('a rule skipped for want of what only a faulty target gives does not fail the merged run', () => {
    const exempt = contract.rules.rules.find((r) => r.onlyOn)!;
    expect(exempt.id).toBe('SRV-500-SHAPE');
    expect(mergeReports(shards(exempt.id)).exitCode).toBe(0);
  });

  it('any other skipped rule does', () => {
    expect(mergeReports(shards('AUTH-DISABLED')).exitCode).toBe(1);
  });
});
