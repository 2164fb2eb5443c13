// `npm test`: the conformance run. Exit 0 = conforms, 1 = contract broken, 2 = configuration or
// target error. Configuration (and the report directory) is validated and a remote target is
// probed (src/runner/preflight.ts) before any rule runs;
// the reporter (src/report/reporter.ts) prints the verdicts, writes the reports and gives the exit code.
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest } from 'vitest/node';
import { ConfigError, checkReportDir, parseSettings, readSettings, runbaseOnly, type Config } from '../settings/index.ts';
import { preflight, waitForPreflightWindow } from './preflight.ts';
import { ConformanceReporter } from '../report/reporter.ts';
import { EXIT } from '../report/outcomes.ts';
import { verdictCause } from '../report/markdown.ts';
import { BrokerError, brokerSettings, verifyAndPublish } from '../pact/publish.ts';
import { redactText, secretsOf } from '../verdicts/redact.ts';
import { runnerArgs, type RunnerArgs } from './args.ts';
import { ShardError } from '../contract/shard.ts';
import { clearReports } from '../report/write.ts';
import { consoleSafe } from '../verdicts/escape.ts';
import { killDescendants, onInterrupt, signalExitCode } from './interrupt.ts';
import { LockedError, lockReportDir, type HeldLock } from './run-lock.ts';
import { GateArgsError, failedRules, gateArgs, lastReport } from './gate-args.ts';
import { BaselineError, readBaseline } from '../report/baseline.ts';
import type { RunBaseline } from '../report/gate.ts';
import { main as baselineMain } from './baseline-command.ts';
import { replay } from './replay.ts';

/** With a Pact Broker configured: verify its pacts and publish the results (exit 1 on mismatch, 2 on
 * error); the line that says why becomes part of the run's verdict. */
async function publishToBroker(config: Config): Promise<{ exitCode: number; error?: string }> {
  const problem = (exitCode: number, error: string) => {
    console.error(error);
    return { exitCode, error };
  };
  let broker;
  try {
    broker = brokerSettings(process.env);
  } catch (error) {
    return problem(EXIT.error, `configuration error: ${(error as Error).message}`);
  }
  if (!broker) return { exitCode: EXIT.conforms };
  if (config.target.kind !== 'remote') {
    console.error('Pact Broker: results are published for a real target only (set RUNBASE_URL); nothing published');
    return { exitCode: EXIT.conforms };
  }
  try {
    const outcome = await verifyAndPublish(config, broker);
    if (outcome.kind === 'published') {
      console.log(`Pact Broker: verification results published for provider version ${broker.providerVersion}`);
      return { exitCode: EXIT.conforms };
    }
    // A real mismatch: the target broke a consumer's pact, and the broker has the failure.
    const failed = problem(EXIT.broken, `Pact Broker: verification failed (results published for provider version ${broker.providerVersion}): ${outcome.mismatches.length} mismatch(es)`);
    for (const m of outcome.mismatches.slice(0, 5)) console.error(consoleSafe(`  ✗ ${m}`));
    return failed;
  } catch (error) {
    // The broker unreachable, refusing, failing, or the verifier unable to run: nothing to blame on the target.
    return problem(EXIT.error, `Pact Broker: could not verify or publish: ${error instanceof BrokerError ? error.message : redactText((error as Error).message, secretsOf(config))}`);
  }
}

const MEANING: Record<number, string> = { 0: 'the target conforms', 1: 'the target breaks the contract', 2: 'configuration or target error' };

/** The package's own directory: its vitest config and suites, wherever it is installed or run from. */
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

const HELP = `Usage: runbase-conformance [SUITE …] [--shard=i/n] [-t PATTERN]   (in a clone: npm test [-- …])

SUITE runs only those suites, by name (auth, limits, …; also RUNBASE_SUITES=auth,limits); none runs
them all. --shard=i/n runs shard i of n (RUNBASE_SHARD); merge the shards' reports with
npm run report:merge. -t PATTERN runs the rules whose name matches. A selection that selects no rule
is exit 2.

  --rule ID[,ID…]     run just these rules (RUNBASE_RULES); ids are in contracts/rules.json
  --last-failed       run the rules that failed in the report directory's last run
  --replay CASE       send one recorded failing case of the last run again (case ids are in its reports)
  --baseline FILE     accepted findings (RUNBASE_BASELINE; default ./conformance-baseline.json when present)
  --fail-on-stale     a baseline entry that no longer reproduces fails the run (RUNBASE_FAIL_ON_STALE)

  runbase-conformance baseline add --from reports/conformance.json --reason "…" [--expires YYYY-MM-DD]
  runbase-conformance baseline prune [--from reports/conformance.json]
  (docs/baseline.md)

Runs the Runbase conformance suite against RUNBASE_URL, or against the embedded reference emulator when
RUNBASE_URL is unset. Settings come from the environment or a .env file in the current directory
(RUNBASE_ENV_FILE names another); reports go to ./reports (RUNBASE_REPORT_DIR). Every variable is
described in .env.example and the README.

Exit 0: the target conforms; 1: it breaks the contract; 2: configuration or target error.

Examples:
  runbase-conformance auth limits          # two suites
  runbase-conformance --shard=1/4          # one shard of four
  runbase-conformance -t AUTH-DISABLED     # one rule
  runbase-conformance nosuch               # exits 2: no suite named 'nosuch'`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (argv[0] === 'baseline') return baselineMain(argv.slice(1));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return EXIT.conforms;
  }
  process.env.PACT_DO_NOT_TRACK = 'true';
  let config: Config;
  let gate: ReturnType<typeof gateArgs>;
  let baseline: RunBaseline | undefined;
  let settings: Record<string, string>;
  let runner: RunnerArgs;
  try {
    // --rule, --baseline, --replay… are the gate's (src/runner/gate-args.ts); they become settings.
    gate = gateArgs(argv);
    // --shard=i/n, suites (by name or file) and -t are the runner's (src/runner/args.ts).
    runner = runnerArgs(gate.argv);
    // The one read of the settings; the run's parts get them from here (provide), not from process.env.
    // --rule, --baseline, --fail-on-stale are settings given as arguments, like --shard.
    settings = runbaseOnly(readSettings(process.env, { overrides: { ...gate.env, ...runner.env } }));
    config = parseSettings(settings);
    if (gate.replay !== undefined) return await replay(gate.replay, { config, raw: settings });
    if (config.baseline) baseline = { file: config.baseline, doc: readBaseline(config.baseline), failOnStale: config.failOnStale };
    if (gate.lastFailed) {
      const rules = failedRules(lastReport(config.reportDir));
      if (rules.length === 0) {
        console.log(`--last-failed: no rule failed in the last run (${join(config.reportDir, 'conformance.json')}); nothing to re-run`);
        return EXIT.conforms;
      }
      settings = { ...settings, RUNBASE_RULES: rules.join(',') };
      config = parseSettings(settings);
      console.log(`--last-failed: re-running ${rules.join(', ')}`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ShardError || error instanceof GateArgsError || error instanceof BaselineError) {
      console.error(`configuration error: ${error.message}`);
      return EXIT.error;
    }
    throw error;
  }
  const unwritable = checkReportDir(config.reportDir);
  if (unwritable) {
    console.error(`configuration error: ${unwritable.message}`);
    return EXIT.error;
  }
  // One run per report directory; its lock names this run, and an earlier run's reports go at once,
  // so none of them can pass for this run's, whatever becomes of it.
  const runId = randomUUID();
  let lock: HeldLock;
  try {
    lock = lockReportDir(config.reportDir, runId);
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    console.error(`configuration error: ${error.message}`);
    return EXIT.error;
  }
  clearReports(config.reportDir);
  const selection = [
    config.suites ? `suites ${config.suites.join(',')}` : '',
    config.shard ? `shard ${config.shard.index}/${config.shard.count}` : '',
    config.rules ? `rules ${config.rules.join(',')}` : '',
    runner.testNamePattern !== undefined ? `-t '${runner.testNamePattern}'` : '',
  ].filter(Boolean).join(', ');
  const reporter = new ConformanceReporter({ runId, settings: config, ...(baseline ? { baseline } : {}), ...(selection ? { selection } : {}) });
  const stopListening = onInterrupt((signal) => {
    // Nothing more is sent: the vitest worker and Pact's verifier end now, the embedded emulator with us.
    killDescendants();
    const code = signalExitCode(signal);
    reporter.interrupt(signal, code);
    lock.release();
    console.log(`exit ${code}: interrupted by ${signal}`);
    process.exit(code);
  });
  try {
    return await run(config, settings, runner.testNamePattern, reporter);
  } finally {
    stopListening();
    lock.release();
  }
}

/** The run proper, once its report directory is its own: preflight, the rules, the broker. */
async function run(config: Config, settings: Record<string, string>, testNamePattern: string | undefined, reporter: ConformanceReporter): Promise<number> {
  const checked = await preflight(config);
  if (checked.problem) {
    console.error(consoleSafe(`${checked.problem.kind === 'config' ? 'configuration' : 'target'} error: ${checked.problem.line}`));
    return EXIT.error;
  }
  await waitForPreflightWindow(config, checked);
  try {
    const vitest = await createVitest('test', { ...(testNamePattern !== undefined ? { testNamePattern } : {}), root: packageRoot, config: join(packageRoot, 'vitest.config.ts'), project: 'conformance', watch: false, run: true, reporters: [reporter] });
    try {
      for (const project of vitest.projects) {
        project.provide('runbaseSettings', { config, raw: settings, ...(reporter.progressFile ? { progressFile: reporter.progressFile } : {}) });
        // The rules that run at the same time (RUNBASE_CONCURRENCY); the scheduler paces them all.
        project.config.maxConcurrency = config.concurrency;
      }
      await vitest.start([]);
    } finally {
      await vitest.close();
    }
  } catch (error) {
    console.error(consoleSafe(`error: the run could not start: ${(error as Error).message}`));
    return EXIT.error;
  }
  // The summary and the reports are written once the broker step has had its say: one verdict everywhere.
  reporter.finish(await publishToBroker(config));
  const code = reporter.exitCode;
  console.log(`exit ${code}: ${MEANING[code]}${reporter.report ? ` — ${verdictCause(reporter.report)}` : ''}`);
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(EXIT.error);
  });
}
