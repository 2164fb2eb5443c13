// junit.xml: one test case per rule, named by id and title (stable from run to run, no seeds).
import type { ConformanceReport } from './model.ts';
import type { RuleResult } from '../conformance/result.ts';
import { curlCommand } from './curl.ts';
import { xmlText } from '../conformance/escape.ts';

const xml = xmlText;

export function failureText(rule: RuleResult): string {
  return rule.failures.map((f) => [
    `${f.check}: ${f.message}`,
    `expected: ${f.expected}`,
    `actual:   ${f.actual}`,
    ...(f.seenIn ? [`seen in:  ${f.seenIn}`] : []),
    ...(f.counterexample ? [`minimal case: ${f.counterexample}`] : []),
    ...(f.exchange ? [`response: ${f.exchange.response.status} ${f.exchange.response.body.slice(0, 500)}`, `reproduce:\n${curlCommand(f.exchange)}`] : []),
  ].join('\n')).join('\n\n');
}

/** JUnit times are seconds; a rule that did not run took none. */
const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function testCase(rule: RuleResult): string {
  const open = `    <testcase classname="runbase.${xml(rule.family)}" name="${xml(`${rule.id}: ${rule.title}`)}" time="${seconds(rule.durationMs)}">`;
  const props = `      <properties><property name="level" value="${rule.level}"/><property name="verdict" value="${rule.verdict}"/><property name="doc" value="${xml(rule.doc)}"/></properties>`;
  const body: string[] = [props];
  if (rule.verdict === 'failed') body.push(`      <failure message="${xml(`${rule.id} failed: ${rule.failures[0]?.message ?? rule.targetError ?? ''}`)}" type="${rule.level}">${xml(failureText(rule))}</failure>`);
  if (rule.verdict === 'skipped') body.push(`      <skipped message="${xml(rule.skipReason ?? 'skipped')}"/>`);
  if (rule.verdict === 'warned') body.push(`      <system-out>${xml(`warning (${rule.level} level):\n${failureText(rule)}`)}</system-out>`);
  if (rule.verdict === 'observed') body.push(`      <system-out>${xml(rule.observations.map((o) => `${o.label}: ${JSON.stringify(o.value)}`).join('\n'))}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

export function renderJunit(report: ConformanceReport): string {
  const failures = report.rules.filter((r) => r.verdict === 'failed').length;
  const skipped = report.rules.filter((r) => r.verdict === 'skipped').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="runbase-conformance" tests="${report.rules.length}" failures="${failures}" errors="${report.outcome === 'error' || report.outcome === 'interrupted' ? 1 : 0}" skipped="${skipped}">`,
    `  <testsuite name="Runbase conformance (${xml(report.target.apiRoot)})" tests="${report.rules.length}" failures="${failures}" skipped="${skipped}" timestamp="${report.startedAt}" time="${seconds(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}">`,
    ...report.rules.map(testCase),
    ...(report.interrupted ? [`    <system-err>${xml(`interrupted by ${report.interrupted.signal}: no verdict on the target; the rules above ran before then`)}</system-err>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
