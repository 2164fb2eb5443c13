// `npm run compare -- --base-env .env.production --candidate-env .env.emulator`: the same seeded corpus
// to two targets, every judged aspect compared, the differences grouped into distinct findings,
// fidelity scored; with --suggest, the emulator settings that remove them. Exit 0 at or above the
// threshold, 1 below it, 2 on a configuration or target error.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkReportDir, ConfigError, loadConfig, runSettingsEnv, type Config } from '../settings/index.ts';
import { TargetError } from '../contract/exchange.ts';
import { secretsOf } from '../verdicts/redact.ts';
import { buildCorpus } from '../compare/corpus.ts';
import { compareContract } from '../compare/aspects.ts';
import { openSide } from '../compare/send.ts';
import { compareTargets } from '../compare/compare.ts';
import { consoleSummary, writeCompareReport } from '../compare/report.ts';
import { choicesFileText, suggestChoices, type Suggestion } from '../compare/suggest.ts';

const HELP = `Usage: runbase-compare --base-env FILE --candidate-env FILE [--base-name NAME] [--candidate-name NAME]
                       [--threshold 100] [--seed N] [--per-family N] [--report-dir reports] [--suggest]
(in a clone: npm run compare -- …)

Each file holds one target's settings as the suite reads them (RUNBASE_URL, RUNBASE_API_KEY, fixture
keys with the same names on both sides). The base is the reference (e.g. production); the candidate is
compared with it (e.g. an emulator). The report calls them by --base-name/--candidate-name, else by
their files' names (.env.production → production). Reports go to --report-dir, else RUNBASE_REPORT_DIR,
else reports/. Differences are listed once per distinct finding (what differs, how many requests,
which families, one example as curl with both answers), with fidelity overall, per aspect and per
family; informational aspects (contracts/compare.json) are reported but not counted.

--suggest: the emulator settings (--choice NAME=VALUE, and the file emulator-choices.json in the
report directory for npm run emulator -- --choices FILE) that make the emulator answer like the base,
found by replaying the corpus on in-process emulators; and the findings no setting explains.

Exit 0: fidelity at or above the threshold; 1: below it; 2: configuration or target error.`;

/** A side's name from its settings file: .env.production → production, staging.env → staging. */
function nameOfEnvFile(file: string): string {
  const name = basename(file).replace(/^\.env\.?/, '').replace(/\.env$/, '');
  return name || basename(file);
}

/** One side's configuration: its file (which must be there), plus the shared run settings of the environment. */
function sideConfig(file: string, option: string): Config {
  if (!existsSync(file)) throw new ConfigError(`${option} names a file that does not exist`);
  return loadConfig(runSettingsEnv(), { dotenvPath: file });
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { 'base-env': { type: 'string' }, 'candidate-env': { type: 'string' }, threshold: { type: 'string' }, seed: { type: 'string' }, 'per-family': { type: 'string' }, 'report-dir': { type: 'string' }, 'base-name': { type: 'string' }, 'candidate-name': { type: 'string' }, suggest: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) { console.log(HELP); return 0; }
  if (!args['base-env'] || !args['candidate-env']) { console.error(`configuration error: --base-env and --candidate-env are required\n\n${HELP}`); return 2; }
  const threshold = args.threshold === undefined ? compareContract.threshold : Number(args.threshold) / 100;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) { console.error('configuration error: --threshold is a percentage from 0 to 100'); return 2; }
  let base: Config;
  let candidate: Config;
  try {
    base = sideConfig(args['base-env'], '--base-env');
    candidate = sideConfig(args['candidate-env'], '--candidate-env');
    for (const [name, c] of [['base', base], ['candidate', candidate]] as const) if (c.target.kind !== 'remote') throw new ConfigError(`${name}: RUNBASE_URL is not set in its file`);
    const unwritable = checkReportDir(args['report-dir'] ?? base.reportDir);
    if (unwritable) throw args['report-dir'] ? new ConfigError(unwritable.message.replace('RUNBASE_REPORT_DIR', '--report-dir')) : unwritable;
  } catch (error) {
    if (error instanceof ConfigError) { console.error(`configuration error: ${error.message}`); return 2; }
    throw error;
  }
  const seed = args.seed === undefined ? base.seed : Number(args.seed);
  const perFamily = args['per-family'] === undefined ? compareContract.casesPerFamily : Number(args['per-family']);
  // Billable requests only when both sides allow them.
  const allow = base.allowBillable && candidate.allowBillable;
  base = { ...base, allowBillable: allow };
  candidate = { ...candidate, allowBillable: allow };
  const secrets = new Map([...secretsOf(base), ...[...secretsOf(candidate)].map(([k, v]) => [k, v.replace('$RUNBASE_', '$CANDIDATE_RUNBASE_')] as const)]);
  const startedAt = new Date().toISOString();
  const [b, c] = [await openSide('base', base), await openSide('candidate', candidate)];
  try {
    const result = await compareTargets(b, c, buildCorpus(seed, perFamily), { threshold });
    const exitCode = result.fidelity >= threshold ? 0 : 1;
    const names = { baseName: args['base-name'] ?? nameOfEnvFile(args['base-env']), candidateName: args['candidate-name'] ?? nameOfEnvFile(args['candidate-env']) };
    if (names.baseName === names.candidateName) names.candidateName = `${names.candidateName} (candidate)`;
    const dir = args['report-dir'] ?? base.reportDir;
    let suggestion: Suggestion | undefined;
    let choicesFile: string | undefined;
    if (args.suggest) {
      suggestion = await suggestChoices(result, { allowBillable: allow });
      choicesFile = join(dir, 'emulator-choices.json');
      writeFileSync(resolve(choicesFile), choicesFileText(suggestion.settings, `Emulator settings that make it answer like ${names.baseName} (npm run compare -- --suggest): npm run emulator -- --choices FILE`));
    }
    const meta = { base: b.apiRoot, candidate: c.apiRoot, ...names, baseEnvFile: args['base-env'], seed, exitCode, startedAt, finishedAt: new Date().toISOString(), ...(choicesFile ? { choicesFile } : {}) };
    const files = writeCompareReport(result, meta, dir, secrets, suggestion ? { suggestion } : {});
    for (const line of consoleSummary(result, meta, suggestion)) console.log(line);
    console.log(`reports: ${files.join(', ')}`);
    return exitCode;
  } catch (error) {
    if (error instanceof TargetError) { console.error(`target error: ${error.message}`); return 2; }
    throw error;
  } finally {
    await Promise.all([b.close(), c.close()]);
  }
}

main().then((code) => process.exit(code), (error) => { console.error(`error: ${(error as Error).message}`); process.exit(2); });
