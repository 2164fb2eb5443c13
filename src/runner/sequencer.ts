// Conformance families in order, with the rules that judge every exchange of the run (server errors,
// then envelope) last. src/runner/rules.entry.ts loads the suites in this order: the others at the
// same time, these after them, one after another. Other projects keep vitest's own order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { basename } from 'node:path';
import { contract } from '../contract/index.ts';

export const AGGREGATING = ['server-errors', 'envelope'];

export function familyOrder(): string[] {
  const families = contract.rules.families.filter((f) => !AGGREGATING.includes(f));
  return [...families, ...AGGREGATING];
}

export function conformanceRank(file: string): number {
  const family = basename(file).replace(/\.test\.ts$/, '');
  const index = familyOrder().indexOf(family);
  return index === -1 ? familyOrder().length - AGGREGATING.length : index;
}

export class ConformanceSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const conformance = sorted.filter((f) => f.project.name === 'conformance');
    if (conformance.length === 0) return sorted;
    conformance.sort((a, b) => conformanceRank(a.moduleId) - conformanceRank(b.moduleId));
    return [...sorted.filter((f) => f.project.name !== 'conformance'), ...conformance];
  }
}
