// Neutral where the docs leave a choice open: the whole conformance suite (Pact interactions
// included) against the emulator under each value of each open choice alone, and under a pairwise
// covering set of combinations (src/selftest/choice-matrix.ts), must exit 0 with no rule failed,
// warned or skipped. Whole runs in long-lived runner processes, as the mutation matrix runs them:
// 24 single values and 19 pairwise rows (the first all defaults), 43 runs of ≈ 5 s CPU each.
import { describe, expect, it } from 'vitest';
import { choiceCatalogue } from '../../src/contract/emulator-choices.ts';
import { describeChoiceSet, pairwiseChoiceSets, singleChoiceSets, type ChoiceSet } from '../../src/selftest/choice-matrix.ts';
import { NOTHING_JUDGED } from '../../src/verdicts/result.ts';
import { pool, runAgainst, runnerPool } from '../../src/selftest/matrix.ts';

const SEED = 1;
const RUNS = 10;

// A faithful target never answers 500, so SRV-500-SHAPE has nothing to judge and is skipped saying so;
// any other skip, or that one for another reason, is a rule the choice kept from running.
const nothingToJudge = (r: { id: string; skipReason?: string }) => r.id === 'SRV-500-SHAPE' && (r.skipReason ?? '').startsWith(NOTHING_JUDGED);

interface ChoiceRun { choices: string; exit: number | null; failed: string[]; warned: string[]; skipped: string[]; diagnostic?: string }

describe('the every-choice matrix', () => {
  const singles = singleChoiceSets();
  const pairs = pairwiseChoiceSets();

  it('covers every value of every choice alone, and every pair of values of two choices together', () => {
    const catalogue = choiceCatalogue();
    const k = (v: unknown) => JSON.stringify(v);
    for (const c of catalogue) for (const v of c.values) {
      if (k(v) !== k(c.default)) expect(singles.some((s) => k(s[c.name]) === k(v)), `${c.name}=${k(v)}`).toBe(true);
    }
    for (const [i, a] of catalogue.entries()) for (const b of catalogue.slice(i + 1)) {
      for (const va of a.values) for (const vb of b.values) expect(pairs.some((s) => k(s[a.name]) === k(va) && k(s[b.name]) === k(vb)), `${a.name}=${k(va)} with ${b.name}=${k(vb)}`).toBe(true);
    }
    // Modest: each run is a whole `npm test` (≈ 5 s of CPU).
    expect(singles.length + pairs.length).toBeLessThanOrEqual(45);
  });

  it('passes the suite cleanly under every set of choices', async () => {
    const runners = runnerPool(2);
    const sets: ChoiceSet[] = [...singles, ...pairs];
    let results: ChoiceRun[];
    try {
      results = await pool(sets.map((set) => async () => {
        const run = await runAgainst(undefined, SEED, RUNS, runners.run, set);
        const rules = run.report?.rules ?? [];
        const of = (verdict: string) => rules.filter((r) => r.verdict === verdict).map((r) => r.id);
        const exit = run.report ? run.exitCode : null;
        return { choices: describeChoiceSet(set), exit, failed: of('failed'), warned: of('warned'), skipped: rules.filter((r) => r.verdict === 'skipped' && !nothingToJudge(r)).map((r) => r.id), ...(exit === 0 ? {} : { diagnostic: run.output.trim().split('\n').slice(-12).join('\n') }) };
      }), 2);
    } finally {
      await runners.close();
    }
    const dirty = results.filter((r) => r.exit !== 0 || r.failed.length || r.warned.length || r.skipped.length);
    expect(dirty).toEqual([]);
    expect(results).toHaveLength(sets.length);
  }, 1_200_000);
});
