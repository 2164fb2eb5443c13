// `npm test`: the conformance run. Exit 0 = conforms, 1 = contract broken, 2 = configuration or
// target error. Configuration is validated and a remote target is probed before any rule runs.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import type { RunnerTask, RunnerTestFile } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createClient } from '../http/client.ts';
import { TargetError } from '../http/types.ts';
import { readRun, absentRunId } from '../conformance/requests.ts';
import type { RuleResult } from '../conformance/result.ts';

export const EXIT = { conforms: 0, broken: 1, error: 2 } as const;

/** A remote target must answer HTTP with JSON within the timeout, or the run stops here with exit 2. */
export async function probeTarget(config: Config): Promise<string | undefined> {
  if (config.target.kind !== 'remote') return undefined;
  const client = createClient({ timeoutMs: Math.min(config.timeoutMs, 10_000), maxBodyBytes: 64 * 1024 });
  const spec = readRun(absentRunId('probe'), { kind: 'header', value: null });
  const url = config.target.apiRoot + spec.path;
  try {
    const { response } = await client.send({ method: spec.method, url, headers: {} });
    if (response.json === undefined) {
      const type = response.headers['content-type'] ?? 'no content type';
      return `${url} answered ${response.status} with ${type}, not JSON: is RUNBASE_URL the API's origin or its root (…/api/v1)?`;
    }
    return undefined;
  } catch (error) {
    return error instanceof TargetError ? error.message : `could not reach ${url}: ${(error as Error).message}`;
  } finally {
    await client.close();
  }
}

export interface RuleOutcome { result?: RuleResult; state: string; name: string; errors: string[] }

export function collectOutcomes(files: RunnerTestFile[]): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  const walk = (task: RunnerTask) => {
    if (task.type === 'test') {
      out.push({ name: task.name, state: task.result?.state ?? task.mode, errors: (task.result?.errors ?? []).map((e) => e.message ?? String(e)), ...(task.meta.runbase ? { result: task.meta.runbase } : {}) });
    } else if ('tasks' in task) task.tasks.forEach(walk);
  };
  files.forEach(walk);
  return out;
}

/** The exit code for a finished run. */
export function exitCodeFor(outcomes: RuleOutcome[], fileErrors: string[]): number {
  if (fileErrors.length > 0) return EXIT.error;
  if (outcomes.some((o) => o.result?.targetError)) return EXIT.error;
  const failed = outcomes.filter((o) => o.state === 'fail');
  // A test that failed without a verdict of its own broke inside the suite, not in the target.
  if (failed.some((o) => !o.result || o.result.verdict === 'skipped' && !o.errors.some((e) => e.includes('RUNBASE_REQUIRE_ALL')))) return EXIT.error;
  if (failed.length > 0) return EXIT.broken;
  if (outcomes.length === 0) return EXIT.error;
  return EXIT.conforms;
}

function summary(outcomes: RuleOutcome[]): string {
  const by = (v: string) => outcomes.filter((o) => o.result?.verdict === v);
  const line = ['passed', 'failed', 'warned', 'skipped', 'observed'].map((v) => `${by(v).length} ${v}`).join(', ');
  const failed = by('failed').map((o) => `  ✗ ${o.result!.id}  ${o.result!.title}`);
  const warned = by('warned').map((o) => `  ! ${o.result!.id}  ${o.result!.title}`);
  const skipped = by('skipped').map((o) => `  - ${o.result!.id}  ${o.result!.skipReason}`);
  const events = outcomes.flatMap((o) => (o.result?.environmentEvents ?? []).map((e) => ({ ...e, rule: o.result!.id })));
  const eventLines = events.slice(0, 10).map((e) => `  ~ ${e.kind} on ${e.key} during ${e.rule} (attempt ${e.attempt}${e.waitedMs ? `, waited ${e.waitedMs} ms` : ''})`);
  const requests = outcomes.reduce((n, o) => n + (o.result?.requests ?? 0), 0);
  return [`Runbase conformance: ${line}`, ...failed, ...warned, ...skipped, `${requests} requests; environment events (429s retried outside the rate-limit rules): ${events.length}`, ...eventLines].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  process.env.PACT_DO_NOT_TRACK = 'true';
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      return EXIT.error;
    }
    throw error;
  }
  const unreachable = await probeTarget(config);
  if (unreachable) {
    console.error(`target error: ${unreachable}`);
    return EXIT.error;
  }
  let vitest;
  try {
    vitest = await startVitest('test', argv, { project: 'conformance', watch: false, run: true, passWithNoTests: false });
  } catch (error) {
    console.error(`target error: the run could not start: ${(error as Error).message}`);
    return EXIT.error;
  }
  const files = vitest.state.getFiles();
  const fileErrors = files.flatMap((f) => (f.result?.errors ?? []).map((e) => `${f.name}: ${e.message}`));
  const setupErrors = vitest.state.getUnhandledErrors().map((e) => String((e as Error)?.message ?? e));
  const outcomes = collectOutcomes(files);
  await vitest.close();
  const code = exitCodeFor(outcomes, [...fileErrors, ...setupErrors]);
  console.log(`\n${summary(outcomes)}`);
  for (const e of [...fileErrors, ...setupErrors]) console.error(`error: ${e}`);
  const targetErrors = [...new Set(outcomes.map((o) => o.result?.targetError).filter(Boolean))];
  for (const e of targetErrors) console.error(`target error: ${e}`);
  console.log(`exit ${code}: ${code === 0 ? 'the target conforms' : code === 1 ? 'the target breaks the contract' : 'configuration or target error'}`);
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(EXIT.error);
  });
}
