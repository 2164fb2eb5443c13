// conformance.md: a summary line, then failures first (with their reproduction), warnings, skips,
// observations. Also what is appended to $GITHUB_STEP_SUMMARY.
import type { ConformanceReport } from './model.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { curlCommand, reproductionNote } from './curl.ts';
import { mdCode, mdFence, mdText } from '../verdicts/escape.ts';
import { identityLines } from '../verdicts/fingerprint.ts';
import { allKnown } from './baseline.ts';
import { pacingMarkdown } from './pacing.ts';

const ICON: Record<RuleResult['verdict'], string> = { passed: '✅', failed: '❌', warned: '⚠️', skipped: '⏭️', observed: '👁️' };
/** A table cell: plain text, escaped (a `|` would open a column, a backtick a code span). */
const cell = (s: string) => mdText(s);

/** Why the run ends with its exit code, in one phrase: the same words on the console and in every report. */
export function verdictCause(report: ConformanceReport): string {
  if (report.outcome === 'error') return report.errors[0] ?? 'a rule could not be judged';
  const failed = report.rules.filter((r) => r.verdict === 'failed').map((r) => r.id);
  if (report.outcome === 'broken') return failed.length ? `failed: ${failed.slice(0, 8).join(', ')}${failed.length > 8 ? ` and ${failed.length - 8} more` : ''}` : report.errors[0] ?? 'a check failed';
  return 'every gate rule passed or was skipped';
}

export function summaryLine(report: ConformanceReport): string {
  const s = report.summary;
  const head = report.interrupted ? `⛔ interrupted (${report.interrupted.signal}), no verdict on the target; judged before then` : report.outcome === 'conforms' ? '✅ conforms' : report.outcome === 'broken' ? '❌ contract broken' : '⛔ configuration or target error';
  const partial = report.rules.filter((r) => r.verdict === 'passed' && r.partial).length;
  const b = report.baseline;
  const baseline = b ? `; baseline: ${b.new} new, ${b.known} known, ${b.stale.length} stale` : '';
  return `${head}: ${s.passed} passed${partial ? ` (${partial} in part)` : ''}, ${s.failed} failed, ${s.warned} warned, ${s.skipped} skipped, ${s.observed} observed${baseline} (exit ${report.exitCode}) — ${verdictCause(report)}`;
}

function failureSection(rule: RuleResult, seed: number): string[] {
  const out = [`### ${ICON[rule.verdict]} ${rule.id} — ${rule.title}`, '', `Level **${rule.level}** · oracle: ${rule.oracle} · [docs](${rule.doc})`, ''];
  if (rule.targetError) out.push(`Target error: ${mdText(rule.targetError)}`, '');
  // Whatever the target answered is data: in code spans and fences longer than any backtick run in
  // it, or escaped text, so it makes no heading, link, image or HTML in the job summary.
  for (const f of rule.failures) {
    out.push(`- **${f.check}**: ${mdText(f.message)}`, `  - expected: ${mdCode(f.expected)}`, `  - actual: ${mdCode(f.actual)}`);
    out.push(...identityLines(f, seed).map((l) => { const [name, ...rest] = l.split(': '); return `  - ${name}: ${mdCode(rest.join(': '))}`; }));
    if (f.seenIn) out.push(`  - seen in: ${f.seenIn}`);
    if (f.counterexample) out.push(`  - minimal case${f.shrinks ? ` (after ${f.shrinks} shrinks)` : ''}: ${mdCode(f.counterexample.slice(0, 500))}`);
    if (f.exchange) {
      out.push('', ...mdFence(curlCommand(f.exchange), 'sh', '  '));
      out.push(`  Response: ${mdCode(String(f.exchange.response.status))} ${mdCode(f.exchange.response.body.slice(0, 300))}`);
    }
  }
  if (rule.notes.length) out.push('', ...rule.notes.map((n) => `> ${mdText(n)}`));
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
    `Target ${mdCode(report.target.apiRoot)}${report.target.embedded ? ' (embedded reference emulator)' : ''} · contract \`${report.contractVersion}\` · seed \`${report.seed}\` · ${report.requests} requests · ${report.startedAt} → ${report.finishedAt}`,
    '',
  ];
  if (report.errors.length) lines.push('## Errors', '', ...report.errors.map((e) => `- ${mdText(e)}`), '');
  if (report.unjudged > 0) {
    lines.push('## Exchanges no rule judged', '', `${report.unjudged} exchange(s) were judged by no rule against what they were sent to provoke (a gate run requires 0):`, '');
    for (const r of report.rules.filter((r) => r.unjudged)) for (const e of r.unjudgedExchanges ?? []) lines.push(`- ${r.id}: ${mdCode(e)}`);
    lines.push('');
  }
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
    lines.push(`| ${r.id} | ${r.level} | ${ICON[r.verdict]} ${r.verdict}${r.partial ? ` — ${cell(r.partial)}` : ''} | ${r.cases} | ${r.requests} | ${cell(note)} |`);
  }
  lines.push(...slowestRules(report));
  if (report.pacing) lines.push('', ...pacingMarkdown(report.pacing));
  const observed = by('observed');
  if (observed.length) {
    lines.push('', '## Observations (undocumented behaviour, never judged)', '');
    for (const r of observed) {
      lines.push(`- **${r.id}** — ${r.title}`);
      for (const o of r.observations.slice(0, 20)) lines.push(`  - ${cell(o.label)}: ${mdCode(JSON.stringify(o.value) ?? 'null')}`);
    }
  }
  if (report.environmentEvents.length) {
    lines.push('', '## Environment events', '', ...report.environmentEvents.slice(0, 50).map((e) => `- ${mdText(e.kind)} on ${mdText(e.key)}${e.rule ? ` during ${e.rule}` : ''}${e.waitedMs !== undefined ? ` (waited ${e.waitedMs} ms)` : ''}`));
  }
  return `${lines.join('\n')}\n`;
}
