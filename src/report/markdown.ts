// conformance.md: a summary line, then failures first (with their reproduction), warnings, skips,
// observations. Also what is appended to $GITHUB_STEP_SUMMARY.
import type { ConformanceReport } from './model.ts';
import type { RuleResult } from '../conformance/result.ts';
import { curlCommand, reproductionNote } from './curl.ts';
import { identityLines } from '../conformance/fingerprint.ts';
import { allKnown } from './baseline.ts';
import { pacingMarkdown } from './pacing.ts';

const ICON: Record<RuleResult['verdict'], string> = { passed: '✅', failed: '❌', warned: '⚠️', skipped: '⏭️', observed: '👁️' };
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function summaryLine(report: ConformanceReport): string {
  const s = report.summary;
  const head = report.outcome === 'conforms' ? '✅ conforms' : report.outcome === 'broken' ? '❌ contract broken' : '⛔ configuration or target error';
  const b = report.baseline;
  const baseline = b ? `; baseline: ${b.new} new, ${b.known} known, ${b.stale.length} stale` : '';
  return `${head}: ${s.passed} passed, ${s.failed} failed, ${s.warned} warned, ${s.skipped} skipped, ${s.observed} observed${baseline} (exit ${report.exitCode})`;
}

function failureSection(rule: RuleResult, seed: number): string[] {
  const out = [`### ${ICON[rule.verdict]} ${rule.id} — ${rule.title}`, '', `Level **${rule.level}** · oracle: ${rule.oracle} · [docs](${rule.doc})`, ''];
  if (rule.targetError) out.push(`Target error: ${rule.targetError}`, '');
  for (const f of rule.failures) {
    out.push(`- **${f.check}**: ${f.message}`, `  - expected: \`${f.expected}\``, `  - actual: \`${f.actual}\``);
    out.push(...identityLines(f, seed).map((l) => { const [name, ...rest] = l.split(': '); return `  - ${name}: \`${rest.join(': ')}\``; }));
    if (f.seenIn) out.push(`  - seen in: ${f.seenIn}`);
    if (f.counterexample) out.push(`  - minimal case${f.shrinks ? ` (after ${f.shrinks} shrinks)` : ''}: \`${f.counterexample.slice(0, 500)}\``);
    if (f.exchange) {
      out.push('', '  ```sh', ...curlCommand(f.exchange).split('\n').map((l) => `  ${l}`), '  ```');
      out.push(`  Response: \`${f.exchange.response.status}\` \`${f.exchange.response.body.slice(0, 300)}\``);
    }
  }
  if (rule.notes.length) out.push('', ...rule.notes.map((n) => `> ${n}`));
  return [...out, ''];
}

const SLOWEST_SHOWN = 5;

/** The rules that took longest, longest first (ties by id, so the list is stable). */
export function slowest(report: ConformanceReport, n: number): RuleResult[] {
  return report.rules.filter((r) => r.durationMs !== undefined).sort((a, b) => b.durationMs! - a.durationMs! || a.id.localeCompare(b.id)).slice(0, n);
}

/** Where the run's time went: the rules that took longest, with their requests. */
export function slowestRules(report: ConformanceReport): string[] {
  const rows = slowest(report, SLOWEST_SHOWN);
  if (rows.length === 0) return [];
  return ['', `## Slowest rules`, '', 'Rules run at the same time, so their times overlap.', '', '| rule | time | requests |', '|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${formatDuration(r.durationMs!)} | ${r.requests} |`)];
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `settingsFile`: the settings file the run read, named in the step before the curl lines (see curl.ts). */
export function renderMarkdown(report: ConformanceReport, settingsFile?: string): string {
  const by = (v: RuleResult['verdict']) => report.rules.filter((r) => r.verdict === v);
  const lines = [
    '# Runbase conformance report',
    '',
    `**${summaryLine(report)}**`,
    '',
    `Target \`${report.target.apiRoot}\`${report.target.embedded ? ' (embedded reference emulator)' : ''} · contract \`${report.contractVersion}\` · seed \`${report.seed}\` · ${report.requests} requests · ${report.startedAt} → ${report.finishedAt}`,
    '',
  ];
  if (report.errors.length) lines.push('## Errors', '', ...report.errors.map((e) => `- ${e}`), '');
  const failed = by('failed');
  const warned = by('warned');
  if ([...failed, ...warned].some((r) => r.failures.some((f) => f.exchange))) lines.push(reproductionNote(settingsFile), '');
  const section = (r: RuleResult) => failureSection(r, report.seed);
  if (report.baseline) {
    // New findings fail the gate; known ones (every finding in the baseline) are listed apart.
    const b = report.baseline;
    lines.push('## Baseline', '', `\`${b.file}\`: **${b.new} new**, ${b.known} known, ${b.stale.length} stale${b.expired.length ? `, ${b.expired.length} expired` : ''}${b.unchecked.length ? ` (${b.unchecked.length} entries not checked: their rules did not run)` : ''}`, '');
    for (const e of b.stale) lines.push(`- stale: ${e.rule} \`${e.fingerprint}\` (${cell(e.reason)}) no longer reproduces; \`npx runbase-conformance baseline prune\` drops it${b.failOnStale ? ' — fails the run (--fail-on-stale)' : ''}`);
    for (const e of b.expired) lines.push(`- expired: ${e.rule} \`${e.fingerprint}\` ran out on ${e.expires}; its failure counts as new`);
    if (b.stale.length || b.expired.length) lines.push('');
    const known = [...failed, ...warned].filter(allKnown);
    if (failed.some((r) => !allKnown(r))) lines.push('## Failed (new)', '', ...failed.filter((r) => !allKnown(r)).flatMap(section));
    if (warned.some((r) => !allKnown(r))) lines.push('## Warnings (new)', '', ...warned.filter((r) => !allKnown(r)).flatMap(section));
    if (known.length) lines.push('## Known findings (in the baseline)', '', ...known.flatMap(section));
  } else {
    if (failed.length) lines.push('## Failed', '', ...failed.flatMap(section));
    if (warned.length) lines.push('## Warnings', '', ...warned.flatMap(section));
  }
  lines.push('## All rules', '', '| rule | level | verdict | cases | requests | note |', '|---|---|---|---|---|---|');
  for (const r of report.rules) {
    const note = r.verdict === 'skipped' ? r.skipReason ?? '' : r.verdict === 'failed' || r.verdict === 'warned' ? r.failures[0]?.message ?? '' : r.notes[0] ?? '';
    lines.push(`| ${r.id} | ${r.level} | ${ICON[r.verdict]} ${r.verdict} | ${r.cases} | ${r.requests} | ${cell(note)} |`);
  }
  lines.push(...slowestRules(report));
  if (report.pacing) lines.push('', ...pacingMarkdown(report.pacing));
  const observed = by('observed');
  if (observed.length) {
    lines.push('', '## Observations (undocumented behaviour, never judged)', '');
    for (const r of observed) {
      lines.push(`- **${r.id}** — ${r.title}`);
      for (const o of r.observations.slice(0, 20)) lines.push(`  - ${cell(o.label)}: \`${cell(JSON.stringify(o.value))}\``);
    }
  }
  if (report.environmentEvents.length) {
    lines.push('', '## Environment events', '', ...report.environmentEvents.slice(0, 50).map((e) => `- ${e.kind} on ${e.key}${e.rule ? ` during ${e.rule}` : ''}${e.waitedMs !== undefined ? ` (waited ${e.waitedMs} ms)` : ''}`));
  }
  return `${lines.join('\n')}\n`;
}
