// The differential run: calibrate the noise of the base target, send the corpus to both, compare every
// judged aspect, and score fidelity overall, per family and per aspect; group the differences into
// distinct findings. Informational aspects are reported but do not lower the overall or family scores.
import type { Exchange } from '../contract/exchange.ts';
import { aspectsOf, compareContract } from './aspects.ts';
import type { CorpusItem } from './corpus.ts';
import type { Side } from './send.ts';
import { groupFindings, isInformational, type Finding } from './findings.ts';

export interface Difference { aspect: string; base: string; candidate: string }

export interface ItemResult {
  id: string;
  family: string;
  item: CorpusItem;
  base?: Exchange;
  candidate?: Exchange;
  skipped?: string;
  /** Aspects left out of the judgement because the base target itself answered them differently twice. */
  noisy: string[];
  differences: Difference[];
}

export interface AspectScore { judged: number; matching: number; fidelity: number; informational: boolean }

export interface CompareResult {
  /** Share of judged requests matching on every counted (not informational) aspect. */
  fidelity: number;
  byFamily: Record<string, { items: number; matching: number; fidelity: number }>;
  byAspect: Record<string, AspectScore>;
  findings: Finding[];
  items: ItemResult[];
  noise: { id: string; aspects: string[] }[];
  threshold: number;
  skipped: number;
}

const aspects = () => compareContract.aspects.map((a) => a.name);

export async function compareTargets(base: Side, candidate: Side, corpus: CorpusItem[], opts: { threshold?: number } = {}): Promise<CompareResult> {
  // Noise calibration: the first items twice against the base; what differs there is not judged.
  const calibrate = corpus.slice(0, compareContract.calibrationItems);
  const firstPass = new Map<string, Record<string, string>>();
  for (const item of calibrate) {
    const answer = await base.send(item);
    if (!('skipped' in answer)) firstPass.set(item.id, aspectsOf(answer));
  }
  const items: ItemResult[] = [];
  for (const item of corpus) {
    const [b, c] = [await base.send(item), await candidate.send(item)];
    if ('skipped' in b || 'skipped' in c) {
      items.push({ id: item.id, family: item.family, item, skipped: ('skipped' in b ? b : c as { skipped: string }).skipped, noisy: [], differences: [] });
      continue;
    }
    const [ab, ac] = [aspectsOf(b), aspectsOf(c)];
    const first = firstPass.get(item.id);
    const noisy = first ? aspects().filter((a) => first[a] !== ab[a]) : [];
    const differences = aspects().filter((a) => !noisy.includes(a) && ab[a] !== ac[a]).map((a) => ({ aspect: a, base: ab[a]!, candidate: ac[a]! }));
    items.push({ id: item.id, family: item.family, item, base: b, candidate: c, noisy, differences });
  }
  return scoreItems(items, opts.threshold ?? compareContract.threshold);
}

/** A request matches when no counted aspect differs. */
export const matches = (i: Pick<ItemResult, 'differences'>) => i.differences.every((d) => isInformational(d.aspect));

/** The scores and findings of compared requests. */
export function scoreItems(items: ItemResult[], threshold: number): CompareResult {
  const judged = items.filter((i) => !i.skipped);
  const byFamily: CompareResult['byFamily'] = {};
  for (const i of judged) {
    const f = (byFamily[i.family] ??= { items: 0, matching: 0, fidelity: 1 });
    f.items++;
    if (matches(i)) f.matching++;
  }
  for (const f of Object.values(byFamily)) f.fidelity = f.matching / f.items;
  const byAspect: CompareResult['byAspect'] = {};
  for (const a of aspects()) {
    const on = judged.filter((i) => !i.noisy.includes(a));
    const matching = on.filter((i) => !i.differences.some((d) => d.aspect === a)).length;
    byAspect[a] = { judged: on.length, matching, fidelity: on.length ? matching / on.length : 1, informational: isInformational(a) };
  }
  return {
    fidelity: judged.length ? judged.filter(matches).length / judged.length : 1,
    byFamily,
    byAspect,
    findings: groupFindings(judged),
    items,
    noise: items.filter((i) => i.noisy.length).map((i) => ({ id: i.id, aspects: i.noisy })),
    threshold,
    skipped: items.length - judged.length,
  };
}
