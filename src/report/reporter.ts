// The conformance reporter: a progress line per rule as it finishes, then the verdict table, the
// report files (json, md, junit, html) and the exit code. Everything it prints or writes passes
// through the redaction of every configured key, as a last guard behind the harness's own.
import type { Reporter, SerializedError, TestCase, TestModule, Vitest } from 'vitest/node';
import { DEFAULTS, type Config } from '../settings/index.ts';
import { redactText, secretsOf, type Secrets } from '../verdicts/redact.ts';
import { buildReport, type ConformanceReport } from './model.ts';
import { exitCodeFor, outcomeOf, EXIT, type RuleOutcome } from './outcomes.ts';
import { writeReport, type WrittenReport } from './write.ts';
import { loadSettingsStep } from './curl.ts';
import { formatDuration, slowest, summaryLine } from './markdown.ts';
import { consoleSafe, oneLine } from '../verdicts/escape.ts';
import { LINE_EVERY_MS, progressLine, progressMode, readSnapshot, type ProgressMode } from './progress.ts';
import { shardLabel } from '../contract/shard.ts';
import { gateOutcomes, markKnown, baselineSummaryLines, type RunBaseline } from './gate.ts';
import { identityLines } from '../verdicts/fingerprint.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { pacingLine, pacingSummary } from './pacing.ts';

const MARK: Record<string, string> = { passed: '✓', failed: '✗', warned: '!', skipped: '-', observed: '·' };

export interface ReporterOptions {
  /** Where the lines go (default: stdout). */
  write?: (line: string) => void;
  /** The run's settings (src/settings): report directory, settings file, shard, progress. */
  settings?: Config;
  /** The environment of the report writer (GITHUB_STEP_SUMMARY). */
  env?: NodeJS.ProcessEnv;
  /** Progress display; default from RUNBASE_PROGRESS, else live on a terminal and lines without. */
  progress?: ProgressMode;
  /** The run's selection as the user gave it (suites, shard, test-name pattern), named when it selects nothing. */
  selection?: string;
  /** The baseline of accepted findings, read and checked before the run (src/report/baseline.ts). */
  baseline?: RunBaseline;
  /** This run's id (written in every report). */
  runId?: string;
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
  private readonly progress: ProgressMode;
  private readonly selection?: string;
  private readonly baseline?: RunBaseline;
  /** Where the worker writes its progress (handed to it by the run); none when progress is off. */
  readonly progressFile?: string;
  private readonly settings?: Config;
  private progressTimer?: NodeJS.Timeout;
  private lastProgressLine = 0;
  private liveShown = false;
  private total = 0;
  private done = 0;
  /** Rules finished so far, in order: what an interrupted run's reports hold. */
  private readonly finished: RuleOutcome[] = [];
  private readonly runId?: string;
  private readonly loadedConfig?: Config;
  private ended = false;

  constructor(opts: ReporterOptions = {}) {
    this.out = opts.write ?? ((line) => process.stdout.write(`${line}\n`));
    if (opts.runId) this.runId = opts.runId;
    // The settings the run loaded: what the reports name when it ends before any rule did.
    if (opts.settings) { this.loadedConfig = opts.settings; this.secrets = secretsOf(opts.settings); }
    this.env = opts.env ?? process.env;
    this.selection = opts.selection;
    if (opts.baseline) this.baseline = opts.baseline;
    this.settings = opts.settings;
    // A live line rewrites the terminal in place, so only when the lines go to that terminal.
    this.progress = opts.progress ?? progressMode(opts.settings?.progress, !opts.write && process.stdout.isTTY === true);
    if (this.progress === 'live' && opts.write) this.progress = 'lines';
    if (this.progress !== 'off') this.progressFile = join(tmpdir(), `runbase-progress-${process.pid}-${Date.now()}.json`);
  }

  private say(line: string): void {
    this.clearLive();
    // Lines carry what the target answered: never raw to the terminal or the CI log.
    this.out(consoleSafe(redactText(line, this.secrets)));
  }

  onInit(_vitest: Vitest): void {
    this.startedAt = new Date();
    this.lastProgressLine = Date.now();
    if (this.progress !== 'off') {
      this.progressTimer = setInterval(() => this.tick(), 1000);
      this.progressTimer.unref();
    }
  }

  onTestModuleCollected(testModule: TestModule): void {
    this.total += [...testModule.children.allTests()].filter((t) => t.options.mode === 'run').length;
  }

  private progressText(): string {
    return consoleSafe(redactText(progressLine({ done: this.done, total: this.total, elapsedMs: Date.now() - this.startedAt.getTime(), snapshot: this.progressFile ? readSnapshot(this.progressFile) : undefined }), this.secrets)).replace(/\n/g, ' ');
  }

  private tick(): void {
    if (this.total === 0) return;
    if (this.progress === 'live') {
      process.stdout.write(`\r\x1b[K${this.progressText()}`);
      this.liveShown = true;
    } else if (Date.now() - this.lastProgressLine >= LINE_EVERY_MS) {
      this.lastProgressLine = Date.now();
      this.out(this.progressText());
    }
  }

  private clearLive(): void {
    if (!this.liveShown) return;
    process.stdout.write('\r\x1b[K');
    this.liveShown = false;
  }

  private stopProgress(): void {
    if (this.progressTimer) clearInterval(this.progressTimer);
    this.progressTimer = undefined;
    this.clearLive();
    if (this.progressFile) rmSync(this.progressFile, { force: true });
  }

  private learnTarget(testCase: { project: { getProvidedContext(): { runbase?: { config: Config; embedded: boolean } } } }): void {
    if (this.config) return;
    const provided = testCase.project.getProvidedContext().runbase;
    if (!provided) return;
    this.config = provided.config;
    this.embedded = provided.embedded;
    this.secrets = secretsOf(provided.config);
    const target = provided.config.target.kind === 'remote' ? provided.config.target.apiRoot : 'embedded emulator';
    const shard = this.settings?.shard;
    this.say(`Runbase conformance against ${target}${provided.embedded ? ' (embedded reference emulator)' : ''}, seed ${provided.config.seed}, ${provided.config.runs} cases per property${shard ? `, shard ${shardLabel(shard)}` : ''}`);
  }

  onTestCaseResult(testCase: TestCase): void {
    if (this.ended) return;
    this.learnTarget(testCase);
    const outcome = outcomeOf(testCase);
    this.finished.push(outcome);
    const { result } = outcome;
    this.done++;
    if (!result) return;
    const took = result.durationMs !== undefined ? ` · ${formatDuration(result.durationMs)}` : '';
    const detail = result.verdict === 'skipped' ? result.skipReason : `${result.cases} cases · ${result.requests} requests${took}${result.partial ? ` — ${result.partial}` : ''}`;
    // A rule whose every failure is in the baseline reads as known, not as failed.
    const known = this.baseline ? markKnown(result, this.baseline) : false;
    this.say(`  ${known ? '≈' : MARK[result.verdict] ?? '?'} ${(known ? 'known' : result.verdict).padEnd(8)} ${result.id.padEnd(27)} ${detail ?? ''}`);
    if (result.verdict === 'failed' || result.verdict === 'warned') {
      const errors = testCase.result().errors ?? [];
      for (const error of errors) this.say((error.message ?? '').split('\n').map((l) => `      ${l}`).join('\n'));
      // A warning that does not fail the run throws nothing: its findings and re-run commands still show.
      if (errors.length === 0) {
        for (const f of result.failures) this.say([`      ! ${f.check}: expected ${oneLine(f.expected)}, got ${oneLine(f.actual)}`, ...identityLines(f, this.config?.seed ?? 0).map((l) => `        ${l}`)].join('\n'));
      }
    }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    if (this.ended) return;
    this.stopProgress();
    const outcomes: RuleOutcome[] = testModules.flatMap((m) => [...m.children.allTests()].map(outcomeOf));
    for (const m of testModules) { const first = [...m.children.allTests()][0]; if (first) this.learnTarget(first); }
    const runErrors = [
      ...testModules.flatMap((m) => m.errors().map((e) => `${m.moduleId}: ${e.message}`)),
      ...unhandledErrors.map((e) => e.message ?? String(e)),
    ];
    // A rule that broke inside the suite (no verdict) is an error of the run: named, with its error.
    for (const o of outcomes) if (o.state === 'failed' && (!o.result || (o.result.verdict === 'skipped' && !o.errors.some((e) => e.includes('RUNBASE_REQUIRE_ALL'))))) runErrors.push(`${o.result?.id ?? o.name} could not be judged: ${(o.errors[0] ?? 'no error recorded').split('\n')[0]}`);
    // A selection (suites, shard, rules, -t pattern) that selects nothing is a mistake, not a verdict.
    if (!runErrors.length && !outcomes.some((o) => o.result || o.state === 'failed')) runErrors.push(`no rule was selected${this.selection ? ` by ${this.selection}` : ''}: nothing was checked`);
    this.outcomes = outcomes;
    this.runErrors = runErrors;
  }

  private outcomes: RuleOutcome[] = [];
  private runErrors: string[] = [];

  /**
   * A signal ended the run: the reports hold the rules judged before it, say it was interrupted, and
   * never "conforms". Synchronous, so it completes inside the signal handler before the exit.
   */
  interrupt(signal: string, exitCode: number): void {
    if (this.ended) return;
    this.stopProgress();
    this.say(`interrupted by ${signal}: ${this.finished.length} rule(s) finished; no verdict on the target`);
    this.outcomes = [...this.finished];
    this.runErrors = [`interrupted by ${signal} after ${this.finished.length} rule(s) finished; the others did not run`];
    this.finish({ exitCode }, { signal });
  }

  /**
   * The run's one verdict, once everything that decides it is known (the rules, then the Pact Broker
   * step): the exit code and its cause go into every report and the console's summary alike.
   * `after`: what happened after the rules (a broker failure), with the exit code it calls for.
   */
  finish(after: { exitCode: number; error?: string } = { exitCode: EXIT.conforms }, interrupted?: { signal: string }): void {
    if (this.ended) return;
    this.ended = true;
    const shard = this.settings?.shard;
    const outcomes = this.outcomes;
    const runErrors = [...this.runErrors, ...(after.error ? [after.error] : [])];
    const config = this.config ?? this.loadedConfig;
    const results = outcomes.flatMap((o) => (o.result ? [o.result] : []));
    // The baseline decides which failures fail the gate; without one, every failure does.
    const gate = gateOutcomes(outcomes, results, this.baseline);
    // An interrupted run has no verdict on the target: its exit is the signal's, whatever was judged.
    this.exitCode = interrupted ? after.exitCode : Math.max(gate.exitCode(exitCodeFor(gate.outcomes, this.runErrors)), after.exitCode);
    const selection = this.settings?.rules;
    const finishedAt = new Date();
    // Against a virtual clock the limit costs no wall time: no pace to judge.
    const pacing = config?.clock === 'real' && !shard ? pacingSummary(results, config.keys.pool.length, finishedAt.getTime() - this.startedAt.getTime()) : undefined;
    this.report = buildReport({
      ...(this.runId ? { runId: this.runId } : {}),
      ...(interrupted ? { interrupted } : {}),
      target: { apiRoot: config?.target.kind === 'remote' ? config.target.apiRoot : this.loadedConfig ? 'embedded emulator' : 'unresolved', embedded: this.embedded },
      seed: config?.seed ?? 0,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      requests: results.reduce((n, r) => n + r.requests, 0),
      exitCode: this.exitCode,
      settings: { runs: config?.runs ?? 0, strict: config?.strict ?? false, requireAll: config?.requireAll ?? false, allowBillable: config?.allowBillable ?? false },
      environmentEvents: results.flatMap((r) => (r.environmentEvents ?? []).map((e) => ({ ...e, rule: r.id }))),
      errors: [...runErrors, ...new Set(results.flatMap((r) => (r.targetError ? [`target error in ${r.id}: ${r.targetError}`] : [])))].map((e) => redactText(e, this.secrets)),
      rules: results,
      ...(shard ? { shard } : {}),
      ...(selection ? { selection } : {}),
      ...(gate.verdict ? { baseline: gate.verdict } : {}),
      ...(pacing ? { pacing } : {}),
    });
    this.written = writeReport(this.report, config?.reportDir ?? this.settings?.reportDir ?? DEFAULTS.reportDir, this.env, this.secrets, this.settingsFile());
    this.printSummary(this.report);
  }

  private printSummary(report: ConformanceReport): void {
    const lines = ['', summaryLine(report)];
    if (report.baseline) lines.push(...baselineSummaryLines(report));
    else for (const r of report.rules.filter((r) => r.verdict === 'failed')) lines.push(`  ✗ ${r.id}  ${r.title}`);
    for (const r of report.rules.filter((r) => r.verdict === 'warned')) lines.push(`  ! ${r.id}  ${r.title}`);
    for (const r of report.rules.filter((r) => r.verdict === 'passed' && r.partial)) lines.push(`  ✓ ${r.id}  passed in part — ${r.partial}`);
    for (const r of report.rules.filter((r) => r.verdict === 'skipped')) lines.push(`  - ${r.id}  ${r.skipReason ?? ''}`);
    if (report.unjudged > 0) {
      lines.push(`${report.unjudged} exchange(s) judged by no rule (a gate run requires 0):`);
      for (const r of report.rules.filter((r) => r.unjudged)) for (const e of r.unjudgedExchanges ?? []) lines.push(`  ? ${r.id}  ${e}`);
    }
    lines.push(`${report.requests} requests; environment events (429s retried outside the rate-limit rules): ${report.environmentEvents.length}`);
    const longest = slowest(report, 3).map((r) => `${r.id} ${formatDuration(r.durationMs!)}`);
    lines.push(`time: ${formatDuration(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}${longest.length ? `; slowest rules: ${longest.join(', ')}` : ''}`);
    if (report.pacing) lines.push(pacingLine(report.pacing));
    if (report.shard) lines.push(`shard ${shardLabel(report.shard)}: these are its rules only; merge the shards' reports with npm run report:merge`);
    for (const e of report.environmentEvents.slice(0, 10)) lines.push(`  ~ ${e.kind} on ${e.key} during ${e.rule} (attempt ${e.attempt ?? '?'})`);
    for (const e of report.errors) lines.push(`error: ${e}`);
    if (this.written) lines.push(`reports: ${this.written.files.join(', ')}`);
    const reproducible = report.rules.some((r) => (r.verdict === 'failed' || r.verdict === 'warned') && r.failures.some((f) => f.exchange));
    const md = this.written?.files.find((f) => f.endsWith('.md'));
    if (reproducible && md) lines.push(`reproduce: each failure's curl is in ${md}; first load the settings into the shell: ${loadSettingsStep(this.settingsFile())}`);
    for (const line of lines) this.say(line);
  }

  /** The settings file the run read (src/settings: RUNBASE_ENV_FILE, else .env). */
  private settingsFile(): string {
    return this.settings?.envFile ?? DEFAULTS.envFile;
  }
}
