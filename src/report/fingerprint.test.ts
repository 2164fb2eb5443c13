// Finding identity and the baseline file, as pure functions: what the fingerprint keeps and drops,
// and how entries are judged known, new, stale or expired.
import { describe, expect, it } from 'vitest';
import { contract, errorForFault, type FaultName } from '../contract/index.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { fingerprintOf, findingOf, identify, normaliseDetail } from '../verdicts/fingerprint.ts';
import { applyBaseline, parseBaseline, BaselineError, type Baseline } from './baseline.ts';

const failure = (ruleId: string, expected: string, actual: string, message = 'm') => ({ ruleId, check: 'isOneOfErrors', message, expected, actual });
const run = contract.limits.runs.idPrefix;
const key = contract.limits.keys.prefix;
/** `status code` of a documented error, as the oracles word it (read from the contract, never typed). */
const answer = (fault: FaultName) => `${errorForFault(fault).status} ${errorForFault(fault).code}`;
const INVALID = answer('disabledKey');

describe('fingerprints', () => {
  it('drop what varies between requests: ids, keys, addresses, times, large numbers, tokens, the message', () => {
    const a = failure('RUN-CREATE', 'integer ≥ 0', `${run}3nQXMkhwrqR35eeBWlpChIVS at 2026-12-04T17:00:00.123Z from 203.0.113.7 with ${key}abcdefgh12345678 cost 1234567`, 'case one');
    const b = failure('RUN-CREATE', 'integer ≥ 0', `${run}Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2 at 2025-01-01T00:00:00Z from 198.51.100.2 with ${key}zyxwvuts87654321 cost 7654321`, 'case two');
    expect(fingerprintOf(a)).toBe(fingerprintOf(b));
    expect(findingOf(a)).toContain('<run-id>');
  });

  it('keep the documented fact and the shape of the deviation, and the rule', () => {
    const got = (actual: string, rule = 'AUTH-DISABLED') => fingerprintOf(failure(rule, INVALID, actual));
    expect(got('201')).not.toBe(got(answer('unknownRun')));
    expect(got(answer('unknownRun'))).not.toBe(got(answer('unknownModel')));
    expect(got('201')).not.toBe(got('201', 'AUTH-EXPIRED'));
    // A code that shares the run-id prefix is not an id.
    expect(normaliseDetail(answer('unknownRun'))).toBe(answer('unknownRun'));
    expect(normaliseDetail(answer('rateLimited'))).toBe(answer('rateLimited'));
  });

  it('identify numbers the cases of a rule and keeps an identity already set', () => {
    const f = identify(failure('AUTH-MISSING', answer('noAuth'), '200'), 2);
    expect(f.caseId).toBe('AUTH-MISSING:3');
    expect(f.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(identify({ ...f, fingerprint: 'aaaaaaaaaaaa' }, 0).fingerprint).toBe('aaaaaaaaaaaa');
  });
});

const ruleResult = (id: string, verdict: RuleResult['verdict'], actuals: string[]): RuleResult => ({
  id, title: id, family: 'auth', level: 'gate', doc: '', oracle: '', verdict, cases: 1, requests: 1, observations: [], notes: [],
  failures: actuals.map((a, i) => identify(failure(id, INVALID, a), i)),
});

describe('the baseline', () => {
  const doc = (entries: unknown[], version = contract.version) => JSON.stringify({ baselineVersion: 1, contractVersion: version, entries });
  const fp = (id: string, actual: string) => fingerprintOf(failure(id, INVALID, actual));

  it('is refused, naming why, when malformed or made for another contract', () => {
    const bad = (text: string) => { try { parseBaseline(text, 'the baseline b.json'); return 'accepted'; } catch (e) { expect(e).toBeInstanceOf(BaselineError); return (e as Error).message; } };
    expect(bad('{')).toContain('not JSON');
    expect(bad(doc([], 'other'))).toContain('made for contract other');
    expect(bad(doc([{ rule: 'AUTH-DISABLED', fingerprint: fp('AUTH-DISABLED', '201') }]))).toContain('reason is required');
    expect(bad(doc([{ rule: 'NOPE', fingerprint: fp('AUTH-DISABLED', '201'), reason: 'r' }]))).toContain('not a rule');
    expect(bad(doc([{ rule: 'AUTH-DISABLED', fingerprint: 'xyz', reason: 'r' }]))).toContain('12 hex digits');
    expect(bad(doc([{ rule: 'AUTH-DISABLED', fingerprint: fp('AUTH-DISABLED', '201'), reason: 'r', expires: 'soon' }]))).toContain('YYYY-MM-DD');
    expect(bad(doc([{ rule: 'AUTH-DISABLED', fingerprint: fp('AUTH-DISABLED', '201'), reason: 'r', expires: '2027-01-31' }]))).toBe('accepted');
  });

  it('marks known, new and expired failures, and only entries of rules that ran as stale', () => {
    const baseline: Baseline = parseBaseline(doc([
      { rule: 'AUTH-DISABLED', fingerprint: fp('AUTH-DISABLED', '201'), reason: 'known' },
      { rule: 'AUTH-EXPIRED', fingerprint: fp('AUTH-EXPIRED', '201'), reason: 'ran out', expires: '2026-01-01' },
      { rule: 'AUTH-MISSING', fingerprint: fp('AUTH-MISSING', '200'), reason: 'fixed since' },
      { rule: 'AUTH-UNKNOWN-KEY', fingerprint: fp('AUTH-UNKNOWN-KEY', '200'), reason: 'rule skipped' },
    ]), 'b.json');
    const rules = [
      ruleResult('AUTH-DISABLED', 'failed', ['201', answer('unknownRun')]),
      ruleResult('AUTH-EXPIRED', 'failed', ['201']),
      ruleResult('AUTH-MISSING', 'passed', []),
      ruleResult('AUTH-UNKNOWN-KEY', 'skipped', []),
    ];
    const v = applyBaseline(rules, baseline, 'b.json', '2026-12-04');
    expect(rules[0]!.failures.map((f) => f.baseline)).toEqual(['known', 'new']);
    expect(rules[1]!.failures.map((f) => f.baseline)).toEqual(['expired']);
    expect({ known: v.known, new: v.new, unchecked: v.unchecked.map((e) => e.rule) }).toEqual({ known: 1, new: 2, unchecked: ['AUTH-UNKNOWN-KEY'] });
    expect(v.stale.map((e) => e.rule)).toEqual(['AUTH-MISSING']);
    // An expired entry that no longer reproduces is stale as well.
    expect(applyBaseline([ruleResult('AUTH-EXPIRED', 'passed', [])], baseline, 'b.json', '2026-12-04').stale.map((e) => e.rule)).toEqual(['AUTH-EXPIRED']);
    expect(v.expired.map((e) => e.rule)).toEqual(['AUTH-EXPIRED']);
    // The last day of an entry still holds.
    expect(applyBaseline([ruleResult('AUTH-EXPIRED', 'failed', ['201'])], baseline, 'b.json', '2026-01-01').known).toBe(1);
  });
});

describe('a baseline verdict merged from shards', () => {
  const entry = (rule: string) => ({ rule, fingerprint: fingerprintOf(failure(rule, INVALID, '201')), reason: 'r' });
  it('adds the counts, joins stale and expired, and leaves unchecked only what no shard judged', async () => {
    const { mergeBaselines } = await import('./gate.ts');
    const [a, b, c] = [entry('AUTH-DISABLED'), entry('AUTH-EXPIRED'), entry('AUTH-MISSING')];
    const shard1 = { file: 'b.json', failOnStale: true, known: 1, new: 0, stale: [a], expired: [], unchecked: [b, c] };
    const shard2 = { file: 'b.json', failOnStale: true, known: 2, new: 1, stale: [b], expired: [], unchecked: [a, c] };
    const merged = mergeBaselines([shard1, shard2])!;
    expect({ known: merged.known, new: merged.new }).toEqual({ known: 3, new: 1 });
    expect(merged.stale.map((e) => e.rule)).toEqual(['AUTH-DISABLED', 'AUTH-EXPIRED']);
    expect(merged.unchecked.map((e) => e.rule)).toEqual(['AUTH-MISSING']);
    expect(mergeBaselines([shard1, undefined])).toBeUndefined();
    expect(mergeBaselines([shard1, { ...shard2, file: 'other.json' }])).toBeUndefined();
  });
});
