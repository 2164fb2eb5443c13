// Distinct findings: the differences of every request grouped by what differs. The by-value aspects
// of one answer (status, code, content type) make one finding together ("415 unsupported_media_type
// vs 400 invalid_json" is one thing); each set aspect is its own, keyed by the members only one side
// has, so one systematic extra field is one finding however many requests show it.
import { compareContract, setDifference } from './aspects.ts';
import type { Difference, ItemResult } from './compare.ts';

export interface FindingPart {
  aspect: string;
  /** By value: the two values. */
  base?: string; candidate?: string;
  /** A set: the members only one side has. */
  baseOnly?: string[]; candidateOnly?: string[];
}

export interface Finding {
  id: string;
  key: string;
  parts: FindingPart[];
  aspects: string[];
  /** Every aspect it concerns is informational: reported, not counted toward the threshold. */
  informational: boolean;
  items: ItemResult[];
  families: string[];
}

const spec = (aspect: string) => compareContract.aspects.find((a) => a.name === aspect);
export const isInformational = (aspect: string) => spec(aspect)?.informational === true;

/** The parts of one request's differences, each with the key that groups it. */
export function partsOf(differences: Difference[]): { key: string; parts: FindingPart[] }[] {
  const byValue = differences.filter((d) => spec(d.aspect)?.byValue !== false);
  const out: { key: string; parts: FindingPart[] }[] = [];
  if (byValue.length) {
    const parts = byValue.map((d) => ({ aspect: d.aspect, base: d.base, candidate: d.candidate }));
    out.push({ key: JSON.stringify(parts), parts });
  }
  for (const d of differences.filter((x) => spec(x.aspect)?.byValue === false)) {
    const part = { aspect: d.aspect, ...setDifference(d.base, d.candidate) };
    out.push({ key: JSON.stringify(part), parts: [part] });
  }
  return out;
}

/** Every distinct finding, counted ones first, then by how many requests show it. */
export function groupFindings(items: ItemResult[]): Finding[] {
  const groups = new Map<string, Omit<Finding, 'id' | 'families'>>();
  for (const item of items) {
    for (const { key, parts } of partsOf(item.differences)) {
      const aspects = parts.map((p) => p.aspect);
      const group = groups.get(key) ?? { key, parts, aspects, informational: aspects.every(isInformational), items: [] };
      group.items.push(item);
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .sort((a, b) => Number(a.informational) - Number(b.informational) || b.items.length - a.items.length || a.key.localeCompare(b.key))
    .map((g, i) => ({ ...g, id: `F${i + 1}`, families: [...new Set(g.items.map((x) => x.family))] }));
}

const field = (member: string) => member.replace(/^(.*):(\w+)$/, '$1 ($2)');

/** One line for people: what differs, naming each side. */
export function describeFinding(f: Pick<Finding, 'parts'>, baseName: string, candidateName: string): string {
  return f.parts.map((p) => {
    if (p.baseOnly || p.candidateOnly) {
      const sides = [
        p.baseOnly?.length ? `${p.baseOnly.map(field).join(', ')} in ${baseName} only` : '',
        p.candidateOnly?.length ? `${p.candidateOnly.map(field).join(', ')} in ${candidateName} only` : '',
      ].filter(Boolean);
      return `${p.aspect}: ${sides.join('; ')}`;
    }
    return `${p.aspect}: ${p.base} in ${baseName}, ${p.candidate} in ${candidateName}`;
  }).join('; ');
}
