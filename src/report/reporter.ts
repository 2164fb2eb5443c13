// The conformance reporter: a progress line per rule as it finishes, then the verdict table, the
// report files (json, md, junit, html) and the exit code. Everything it prints or writes passes
// through the redaction of every configured key, as a last guard behind the harness's own.
import type { Reporter, SerializedError, TestCase, TestModule, Vitest } from 'vitest/node';
import type { Config } from '../config.ts';
import { secretsOf } from '../conformance/session.ts';
import { redactText, type Secrets } from '../conformance/redact.ts';
import { buildReport, type ConformanceReport } from './model.ts';
import { exitCodeFor, outcomeOf, EXIT, type RuleOutcome } from './outcomes.ts';
import { writeReport, type WrittenReport } from './write.ts';
import { summaryLine } from './markdown.ts';

const MARK: Record<string, string> = { passed: '✓', failed: '✗', warned: '!', skipped: '-', observed: '·' };

export interface ReporterOptions {
  /** Where the lines go (default: stdout). */
  write?: (line: string) => void;
  /** Extra run errors known before vitest started (none normally). */
  env?: NodeJS.ProcessEnv;
}

export class ConformanceReporter implements Reporter {
  exitCode: number = EXIT.error;
  report?: ConformanceReport;
  written?: WrittenReport;
  private startedAt = new Date();
  private config?: Config;
  private embedded = false;
  private secrets: Secrets = new Map();
  private readonly out: (line: string) => void;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: ReporterOptions = {}) {
    this.out = opts.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.env = opts.env ?? process.env;
  }

  private say(line: string): void {
    this.out(redactText(line, this.secrets));
  }

  onInit(_vitest: Vitest): void {
    this.startedAt = new Date();
  }

  private learnTarget(testCase: { project: { getProvidedContext(): { runbase?: { config: Config; embedded: boolean } } } }): void {
    if (this.config) return;
    const provided = testCase.project.getProvidedContext().runbase;
    if (!provided) return;
    this.config = provided.config;
    this.embedded = provided.embedded;
    this.secrets = secretsOf(provided.config);
    const target = provided.config.target.kind === 'remote' ? provided.config.target.apiRoot : 'embedded emulator';
    this.say(`Runbase conformance against ${target}${provided.embedded ? ' (embedded reference emulator)' : ''}, seed ${provided.config.seed}, ${provided.config.runs} cases per property`);
  }

  onTestCaseResult(testCase: TestCase): void {
    this.learnTarget(testCase);
    const { result } = outcomeOf(testCase);
    if (!result) return;
    const detail = result.verdict === 'skipped' ? result.skipReason : `${result.cases} cases · ${result.requests} requests`;
    this.say(`  ${MARK[result.verdict] ?? '?'} ${result.verdict.padEnd(8)} ${result.id.padEnd(27)} ${detail ?? ''}`);
    if (result.verdict === 'failed' || result.verdict === 'warned') {
      for (const error of testCase.result().errors ?? []) this.say((error.message ?? '').split('\n').map((l) => `      ${l}`).join('\n'));
    }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const outcomes: RuleOutcome[] = testModules.flatMap((m) => [...m.children.allTests()].map(outcomeOf));
    for (const m of testModules) { const first = [...m.children.allTests()][0]; if (first) this.learnTarget(first); }
    const runErrors = [
      ...testModules.flatMap((m) => m.errors().map((e) => `${m.moduleId}: ${e.message}`)),
      ...unhandledErrors.map((e) => e.message ?? String(e)),
    ];
    this.exitCode = exitCodeFor(outcomes, runErrors);
    const config = this.config;
    const results = outcomes.flatMap((o) => (o.result ? [o.result] : []));
    this.report = buildReport({
      target: { apiRoot: config?.target.kind === 'remote' ? config.target.apiRoot : 'unresolved', embedded: this.embedded },
      seed: config?.seed ?? 0,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      requests: results.reduce((n, r) => n + r.requests, 0),
      exitCode: this.exitCode,
      settings: { runs: config?.runs ?? 0, strict: config?.strict ?? false, requireAll: config?.requireAll ?? false, allowBillable: config?.allowBillable ?? false },
      environmentEvents: results.flatMap((r) => (r.environmentEvents ?? []).map((e) => ({ ...e, rule: r.id }))),
      errors: [...runErrors, ...new Set(results.flatMap((r) => (r.targetError ? [`target error in ${r.id}: ${r.targetError}`] : [])))].map((e) => redactText(e, this.secrets)),
      rules: results,
    });
    this.written = writeReport(this.report, config?.reportDir ?? this.env.RUNBASE_REPORT_DIR ?? 'reports', this.env, this.secrets);
    this.printSummary(this.report);
  }

  private printSummary(report: ConformanceReport): void {
    const lines = ['', summaryLine(report)];
    for (const r of report.rules.filter((r) => r.verdict === 'failed')) lines.push(`  ✗ ${r.id}  ${r.title}`);
    for (const r of report.rules.filter((r) => r.verdict === 'warned')) lines.push(`  ! ${r.id}  ${r.title}`);
    for (const r of report.rules.filter((r) => r.verdict === 'skipped')) lines.push(`  - ${r.id}  ${r.skipReason ?? ''}`);
    lines.push(`${report.requests} requests; environment events (429s retried outside the rate-limit rules): ${report.environmentEvents.length}`);
    for (const e of report.environmentEvents.slice(0, 10)) lines.push(`  ~ ${e.kind} on ${e.key} during ${e.rule} (attempt ${e.attempt ?? '?'})`);
    for (const e of report.errors) lines.push(`error: ${e}`);
    if (this.written) lines.push(`reports: ${this.written.files.join(', ')}`);
    for (const line of lines) this.say(line);
  }
}
