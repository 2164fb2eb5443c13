// Conformance families in order: the rate-limit rules first, the rules that judge every exchange of
// the run (server errors, then envelope) last. src/runner/rules.entry.ts loads the suites in this
// order: the others at the same time, these after them, one after another. The project's own tests
// start with the files that take longest (real-time runs, the mutation matrix), so none of them is
// left to run alone at the end.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { basename } from 'node:path';
import { contract } from '../contract/index.ts';

export const AGGREGATING = ['server-errors', 'envelope'];
/**
 * Families whose rules start before the others: the rate-limit rules lease keys one after another,
 * each idle a window first, the longest chain of a remote run; queued behind the first rules to take
 * the run's concurrency, they started it 20–30 s late and the run ended on it (docs/speed.md).
 */
export const STARTS_FIRST = ['limits'];

export function familyOrder(): string[] {
  const families = contract.rules.families.filter((f) => !AGGREGATING.includes(f) && !STARTS_FIRST.includes(f));
  return [...STARTS_FIRST, ...families, ...AGGREGATING];
}

export function conformanceRank(file: string): number {
  const family = basename(file).replace(/\.test\.ts$/, '');
  const index = familyOrder().indexOf(family);
  return index === -1 ? familyOrder().length - AGGREGATING.length : index;
}

/** The project's tests that take longest, longest first (measured on the 2-core machine; see docs/mutation-testing.md). */
export const LONGEST_SELF_TESTS = [
  // test:network and test:proofs
  'latency', 'pact-one-key', 'choice-matrix', 'mutation', 'cheater', 'baseline', 'docs-examples', 'hostile', 'interop', 'cancel', 'signals', 'cli', 'pact-broker', 'shard', 'package',
  // test:self
  'report', 'identity', 'answer-bytes', 'throttling', 'target-bytes', 'http-rejections', 'pact',
];

const selfRank = (file: string) => {
  const index = LONGEST_SELF_TESTS.indexOf(basename(file).replace(/\.test\.ts$/, ''));
  return index === -1 ? LONGEST_SELF_TESTS.length : index;
};

export class ConformanceSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const conformance = sorted.filter((f) => f.project.name === 'conformance');
    const others = sorted.filter((f) => f.project.name !== 'conformance');
    // A stable sort: files outside the list keep vitest's order (its cached durations, when it has them).
    others.sort((a, b) => selfRank(a.moduleId) - selfRank(b.moduleId));
    conformance.sort((a, b) => conformanceRank(a.moduleId) - conformanceRank(b.moduleId));
    return [...others, ...conformance];
  }
}
