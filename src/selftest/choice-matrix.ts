// The every-choice matrix: the emulator under each value of each open choice alone, and under a
// covering set of combinations in which every pair of values of two choices meets at least once
// (pairwise). A suite neutral to what the docs leave open passes every one of them cleanly.
import { choiceCatalogue, type ChoiceValue } from '../contract/emulator-choices.ts';

export type ChoiceSet = Record<string, ChoiceValue>;

const key = (v: ChoiceValue) => JSON.stringify(v);

/** Each non-default value of each choice, alone (the rest at their defaults). */
export function singleChoiceSets(catalogue = choiceCatalogue()): ChoiceSet[] {
  return catalogue.flatMap((c) => c.values.filter((v) => key(v) !== key(c.default)).map((v) => ({ [c.name]: v })));
}

/**
 * A deterministic greedy pairwise covering set: each row starts from the first pair not yet covered
 * and fills every other choice with the value that covers the most new pairs (first value on a tie).
 */
export function pairwiseChoiceSets(catalogue = choiceCatalogue()): ChoiceSet[] {
  const factors = catalogue.map((c) => c.values);
  const pairId = (i: number, a: number, j: number, b: number) => `${i}:${a}|${j}:${b}`;
  const uncovered = new Set<string>();
  for (let i = 0; i < factors.length; i++) for (let j = i + 1; j < factors.length; j++) {
    for (let a = 0; a < factors[i]!.length; a++) for (let b = 0; b < factors[j]!.length; b++) uncovered.add(pairId(i, a, j, b));
  }
  const rows: number[][] = [];
  while (uncovered.size > 0) {
    const [i, a, j, b] = [...uncovered][0]!.split(/[:|]/).map(Number) as [number, number, number, number];
    const row: (number | undefined)[] = factors.map(() => undefined);
    row[i] = a;
    row[j] = b;
    for (let f = 0; f < factors.length; f++) {
      if (row[f] !== undefined) continue;
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < factors[f]!.length; v++) {
        let gain = 0;
        for (let g = 0; g < factors.length; g++) {
          const w = row[g];
          if (g === f || w === undefined) continue;
          if (uncovered.has(g < f ? pairId(g, w, f, v) : pairId(f, v, g, w))) gain++;
        }
        if (gain > bestGain) { best = v; bestGain = gain; }
      }
      row[f] = best;
    }
    for (let x = 0; x < factors.length; x++) for (let y = x + 1; y < factors.length; y++) uncovered.delete(pairId(x, row[x]!, y, row[y]!));
    rows.push(row as number[]);
  }
  return rows.map((row) => Object.fromEntries(catalogue.map((c, f) => [c.name, c.values[row[f]!]!])));
}

/** Only the values a set changes from the defaults: what a report or `--choice` list needs to name. */
export function describeChoiceSet(set: ChoiceSet, catalogue = choiceCatalogue()): string {
  const changed = catalogue.filter((c) => c.name in set && key(set[c.name]!) !== key(c.default));
  if (!changed.length) return 'every choice at its default';
  return changed.map((c) => {
    const v = set[c.name]!;
    return `${c.name}=${Array.isArray(v) ? `order ${c.values.findIndex((o) => key(o) === key(v)) + 1}` : String(v)}`;
  }).join(' ');
}
