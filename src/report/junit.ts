// junit.xml: one test case per rule, named by id and title (stable from run to run, no seeds).
import type { ConformanceReport } from './model.ts';
import type { RuleResult } from '../verdicts/result.ts';
import { curlCommand } from './curl.ts';
import { xmlText } from '../verdicts/escape.ts';
import { verdictCause } from './markdown.ts';
import { identityLines } from '../verdicts/fingerprint.ts';
import { allKnown } from './baseline.ts';

const xml = xmlText;

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
  const props = `      <properties><property name="level" value="${rule.level}"/><property name="verdict" value="${rule.verdict}"/>${rule.partial ? `<property name="partial" value="${xml(rule.partial)}"/>` : ''}<property name="doc" value="${xml(rule.doc)}"/></properties>`;
  const body: string[] = [props];
  if (rule.verdict === 'passed' && rule.partial) body.push(`      <system-out>${xml(`passed in part — ${rule.partial}`)}</system-out>`);
  // A failed rule whose every finding is in the baseline is known: reported, not a failure.
  if (rule.verdict === 'failed' && baselined && allKnown(rule)) body.push(`      <system-out>${xml(`known (in the baseline), not failing the gate:\n${failureText(rule, seed)}`)}</system-out>`);
  else if (rule.verdict === 'failed') body.push(`      <failure message="${xml(`${rule.id} failed: ${rule.failures[0]?.message ?? rule.targetError ?? ''}`)}" type="${rule.level}">${xml(failureText(rule, seed))}</failure>`);
  if (rule.verdict === 'skipped') body.push(`      <skipped message="${xml(rule.skipReason ?? 'skipped')}"/>`);
  if (rule.verdict === 'warned') body.push(`      <system-out>${xml(`warning (${rule.level} level):\n${failureText(rule, seed)}`)}</system-out>`);
  if (rule.verdict === 'observed') body.push(`      <system-out>${xml(rule.observations.map((o) => `${o.label}: ${JSON.stringify(o.value)}`).join('\n'))}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

/** The run's verdict as a test case of its own: its exit code and the cause, an error when it is 2
 * (a run can end 2 with every rule passed: a broker failure, a selection of no rule). */
function runCase(report: ConformanceReport): string {
  const cause = verdictCause(report);
  const body = report.outcome === 'error' ? `\n      <error message="${xml(`exit 2: ${cause}`)}" type="configuration or target error">${xml(report.errors.join('\n'))}</error>\n    ` : '';
  return `    <testcase classname="runbase.run" name="run verdict: exit ${report.exitCode} (${report.outcome})" time="0">${body || `<system-out>${xml(`exit ${report.exitCode}: ${cause}`)}</system-out>`}</testcase>`;
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
  const tests = report.rules.length + stale.length + 1;
  const errors = report.outcome === 'error' || report.outcome === 'interrupted' ? 1 : 0;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="runbase-conformance" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    `  <testsuite name="Runbase conformance (${xml(report.target.apiRoot)})" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" timestamp="${report.startedAt}" time="${seconds(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}">`,
    `    <properties><property name="exit-code" value="${report.exitCode}"/><property name="outcome" value="${report.outcome}"/><property name="cause" value="${xml(verdictCause(report))}"/></properties>`,
    runCase(report),
    ...report.rules.map((r) => testCase(r, report.seed, baselined)),
    ...stale,
    ...(report.interrupted ? [`    <system-err>${xml(`interrupted by ${report.interrupted.signal}: no verdict on the target; the rules above ran before then`)}</system-err>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
