// Every survivor of the committed Stryker result is triaged, and every triage entry still names one.
import { describe, expect, it } from 'vitest';
import { committedResultFile, invalidEntries, matchTriage, readResult, readTriage, survivorsOf, type StrykerResult, type TriageEntry } from './triage.ts';

describe('Stryker survivors', () => {
  it('the committed result has no untriaged survivor and survivors.json no stale entry', (ctx) => {
    const result = readResult(committedResultFile);
    if (!result) return ctx.skip('no committed Stryker result at test/mutants/stryker-incremental.json yet (run npm run mutation:stryker)');
    const entries = readTriage();
    expect(invalidEntries(entries)).toEqual([]);
    const { untriaged, stale } = matchTriage(survivorsOf(result), entries);
    expect(untriaged, 'survivors without an entry in test/mutants/survivors.json').toEqual([]);
    expect(stale, 'entries in test/mutants/survivors.json that match no surviving mutant').toEqual([]);
  });

  it('the check notices an untriaged survivor, a stale entry and a bad entry', () => {
    const result: StrykerResult = { files: { 'src/emulator/clock.ts': { mutants: [
      { id: '1', mutatorName: 'ArithmeticOperator', replacement: 'base() - offset', status: 'Survived', location: { start: { line: 10, column: 1 }, end: { line: 10, column: 16 } } },
      { id: '2', mutatorName: 'BooleanLiteral', replacement: 'false', status: 'Killed', location: { start: { line: 12, column: 1 }, end: { line: 12, column: 5 } } },
      // Two survivors of one line and one start, told apart by where they end.
      { id: '3', mutatorName: 'ConditionalExpression', replacement: 'true', status: 'Survived', location: { start: { line: 14, column: 9 }, end: { line: 14, column: 43 } } },
      { id: '4', mutatorName: 'ConditionalExpression', replacement: 'true', status: 'Survived', location: { start: { line: 14, column: 9 }, end: { line: 14, column: 20 } } },
    ] } } };
    const stale: TriageEntry = { file: 'src/emulator/clock.ts', line: 12, column: 1, endLine: 12, endColumn: 5, mutator: 'BooleanLiteral', replacement: 'false', kind: 'equivalent', reason: 'killed now, so this entry is stale.' };
    const whole: TriageEntry = { file: 'src/emulator/clock.ts', line: 14, column: 9, endLine: 14, endColumn: 43, mutator: 'ConditionalExpression', replacement: 'true', kind: 'undocumented', reason: 'the whole test, one reading of the change.' };
    const { untriaged, stale: found } = matchTriage(survivorsOf(result), [stale, whole]);
    expect(untriaged.map((s) => `${s.line}:${s.column}-${s.endColumn}`)).toEqual(['10:1-16', '14:9-20']);
    expect(found).toEqual([stale]);
    expect(invalidEntries([{ ...stale, kind: 'boring' as never, reason: '' }])).toHaveLength(1);
    expect(invalidEntries([whole, { ...whole }])).toHaveLength(2);
    expect(invalidEntries([{ ...whole, column: 0 }])).toHaveLength(1);
  });
});
