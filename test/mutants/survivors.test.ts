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
      { id: '1', mutatorName: 'ArithmeticOperator', replacement: 'base() - offset', status: 'Survived', location: { start: { line: 10, column: 1 } } },
      { id: '2', mutatorName: 'BooleanLiteral', replacement: 'false', status: 'Killed', location: { start: { line: 12, column: 1 } } },
    ] } } };
    const stale: TriageEntry = { file: 'src/emulator/clock.ts', line: 12, mutator: 'BooleanLiteral', replacement: 'false', kind: 'equivalent', reason: 'killed now, so this entry is stale.' };
    const { untriaged, stale: found } = matchTriage(survivorsOf(result), [stale]);
    expect(untriaged.map((s) => s.line)).toEqual([10]);
    expect(found).toEqual([stale]);
    expect(invalidEntries([{ ...stale, kind: 'boring' as never, reason: '' }])).toHaveLength(1);
  });
});
