// After `npm run mutation:stryker`: the score per file and the survivors by kind, printed and written
// to reports/stryker/summary.md, and the score into reports/mutation.md (beside the deviation matrix's
// kill report, between <!-- stryker --> marks). Exit 1 when a survivor is not triaged in
// survivors.json or an entry there matches no survivor.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { STRYKER_SECTION } from '../../src/selftest/matrix.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedResultFile, KINDS, matchTriage, readResult, readTriage, sameMutant, scoreOf, survivorsOf } from './triage.ts';

const reportsDir = fileURLToPath(new URL('../../reports/stryker/', import.meta.url));
const result = readResult(join(reportsDir, 'mutation.json')) ?? readResult(committedResultFile);
if (!result) {
  console.error('no Stryker result: run npm run mutation:stryker first');
  process.exit(2);
}
const score = scoreOf(result);
const survivors = survivorsOf(result);
const triage = readTriage();
const { untriaged, stale } = matchTriage(survivors, triage);
const kindOf = (s: (typeof survivors)[number]) => triage.find((e) => sameMutant(s, e))?.kind;
const byKind = Object.fromEntries(KINDS.map((k) => [k, survivors.filter((s) => kindOf(s) === k).length]));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const lines = [
  '# Stryker: mutants of the emulator against the conformance run', '',
  `**Score ${pct(score.score)}**: ${score.detected} of ${score.total} mutants detected (killed or timed out). Survivors: ${survivors.length} — ${KINDS.map((k) => `${byKind[k]} ${k}`).join(', ')}, ${untriaged.length} untriaged; ${stale.length} stale triage entries.`, '',
  '| file | detected | survived | score |', '|---|---|---|---|',
  ...Object.entries(score.files).map(([f, s]) => `| ${f} | ${s.detected} | ${s.undetected} | ${pct(s.total ? s.detected / s.total : 1)} |`),
  '', '## Untriaged survivors', '',
  ...(untriaged.length ? untriaged.map((s) => `- ${s.file}:${s.line}:${s.column} ${s.mutator} → \`${s.replacement.replace(/\s+/g, ' ').slice(0, 120)}\``) : ['none']),
  '',
];
mkdirSync(reportsDir, { recursive: true });
writeFileSync(join(reportsDir, 'summary.md'), lines.join('\n'));
const section = ['<!-- stryker -->', '## Machine-made mutants (Stryker)', '', ...lines.slice(2, lines.indexOf('## Untriaged survivors')), 'Survivors, each with its reason: test/mutants/survivors.json; the full report: reports/stryker/mutation.html.', '<!-- /stryker -->', ''].join('\n');
const matrixReport = join(reportsDir, '..', 'mutation.md');
const previous = existsSync(matrixReport) ? readFileSync(matrixReport, 'utf8') : '# Mutation report\n';
writeFileSync(matrixReport, STRYKER_SECTION.test(previous) ? previous.replace(STRYKER_SECTION, section) : `${previous.trimEnd()}\n\n${section}`);
console.log(lines.slice(2, 3).join(''));
console.log(`summary: ${join(reportsDir, 'summary.md')}`);
process.exit(untriaged.length || stale.length ? 1 : 0);
