// junit.xml: one test case per rule, named by id and title (stable from run to run, no seeds).
import type { ConformanceReport } from './model.ts';
import type { RuleResult } from '../conformance/result.ts';
import { curlCommand } from './curl.ts';
import { identityLines } from '../conformance/fingerprint.ts';
import { allKnown } from './baseline.ts';

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
  // XML 1.0 forbids most control characters; generated bodies may carry them.
  .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

export function failureText(rule: RuleResult, seed = 0): string {
  return rule.failures.map((f) => [
    `${f.check}: ${f.message}`,
    `expected: ${f.expected}`,
    `actual:   ${f.actual}`,
    ...identityLines(f, seed),
    ...(f.seenIn ? [`seen in:  ${f.seenIn}`] : []),
    ...(f.counterexample ? [`minimal case: ${f.counterexample}`] : []),
    ...(f.exchange ? [`response: ${f.exchange.response.status} ${f.exchange.response.body.slice(0, 500)}`, `reproduce:\n${curlCommand(f.exchange)}`] : []),
  ].join('\n')).join('\n\n');
}

/** JUnit times are seconds; a rule that did not run took none. */
const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function testCase(rule: RuleResult, seed: number, baselined: boolean): string {
  const open = `    <testcase classname="runbase.${xml(rule.family)}" name="${xml(`${rule.id}: ${rule.title}`)}" time="${seconds(rule.durationMs)}">`;
  const props = `      <properties><property name="level" value="${rule.level}"/><property name="verdict" value="${rule.verdict}"/><property name="doc" value="${xml(rule.doc)}"/></properties>`;
  const body: string[] = [props];
  // A failed rule whose every finding is in the baseline is known: reported, not a failure.
  if (rule.verdict === 'failed' && baselined && allKnown(rule)) body.push(`      <system-out>${xml(`known (in the baseline), not failing the gate:\n${failureText(rule, seed)}`)}</system-out>`);
  else if (rule.verdict === 'failed') body.push(`      <failure message="${xml(`${rule.id} failed: ${rule.failures[0]?.message ?? rule.targetError ?? ''}`)}" type="${rule.level}">${xml(failureText(rule, seed))}</failure>`);
  if (rule.verdict === 'skipped') body.push(`      <skipped message="${xml(rule.skipReason ?? 'skipped')}"/>`);
  if (rule.verdict === 'warned') body.push(`      <system-out>${xml(`warning (${rule.level} level):\n${failureText(rule, seed)}`)}</system-out>`);
  if (rule.verdict === 'observed') body.push(`      <system-out>${xml(rule.observations.map((o) => `${o.label}: ${JSON.stringify(o.value)}`).join('\n'))}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

/** Stale baseline entries as test cases of their own: a failure with --fail-on-stale, else skipped. */
function staleCases(report: ConformanceReport): string[] {
  const b = report.baseline;
  if (!b) return [];
  return b.stale.map((e) => {
    const text = `baseline entry ${e.rule} ${e.fingerprint} (${e.reason}) no longer reproduces; 'npx runbase-conformance baseline prune' drops it`;
    const verdict = b.failOnStale ? `<failure message="${xml(text)}" type="stale"/>` : `<skipped message="${xml(`stale: ${text}`)}"/>`;
    return `    <testcase classname="runbase.baseline" name="${xml(`stale: ${e.rule} ${e.fingerprint}`)}" time="0">\n      ${verdict}\n    </testcase>`;
  });
}

export function renderJunit(report: ConformanceReport): string {
  const baselined = report.baseline !== undefined;
  const stale = staleCases(report);
  const failures = report.rules.filter((r) => r.verdict === 'failed' && !(baselined && allKnown(r))).length + (report.baseline?.failOnStale ? stale.length : 0);
  const skipped = report.rules.filter((r) => r.verdict === 'skipped').length + (report.baseline && !report.baseline.failOnStale ? stale.length : 0);
  const tests = report.rules.length + stale.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="runbase-conformance" tests="${tests}" failures="${failures}" errors="${report.outcome === 'error' ? 1 : 0}" skipped="${skipped}">`,
    `  <testsuite name="Runbase conformance (${xml(report.target.apiRoot)})" tests="${tests}" failures="${failures}" skipped="${skipped}" timestamp="${report.startedAt}" time="${seconds(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}">`,
    ...report.rules.map((r) => testCase(r, report.seed, baselined)),
    ...stale,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
