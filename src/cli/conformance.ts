// `npm test`: the conformance run. Exit 0 = conforms, 1 = contract broken, 2 = configuration or
// target error. Configuration is validated and a remote target is probed before any rule runs;
// the reporter (src/report/reporter.ts) prints the verdicts, writes the reports and gives the exit code.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createClient } from '../http/client.ts';
import { TargetError } from '../http/types.ts';
import { absentRunId, readRun } from '../conformance/requests.ts';
import { ConformanceReporter } from '../report/reporter.ts';
import { EXIT } from '../report/outcomes.ts';
import { brokerSettings, verifyAndPublish } from '../pact/publish.ts';
import { runnerArgs } from '../runner/args.ts';
import { ShardError } from '../runner/shard.ts';
import { ConcurrencyError } from '../runner/concurrency.ts';

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

/** With a Pact Broker configured: verify its pacts and publish the results (exit 1 on mismatch, 2 on error). */
async function publishToBroker(config: Config): Promise<number> {
  let broker;
  try {
    broker = brokerSettings(process.env);
  } catch (error) {
    console.error(`configuration error: ${(error as Error).message}`);
    return EXIT.error;
  }
  if (!broker) return EXIT.conforms;
  if (config.target.kind !== 'remote') {
    console.error('Pact Broker: results are published for a real target only (set RUNBASE_URL); nothing published');
    return EXIT.conforms;
  }
  try {
    await verifyAndPublish(config, broker);
    console.log(`Pact Broker: verification results published for provider version ${broker.providerVersion}`);
    return EXIT.conforms;
  } catch (error) {
    const text = (error as Error).message;
    const mismatch = text.startsWith('{');
    console.error(`Pact Broker: ${mismatch ? 'verification failed (results published)' : `could not verify or publish: ${text}`}`);
    return mismatch ? EXIT.broken : EXIT.error;
  }
}

const MEANING: Record<number, string> = { 0: 'the target conforms', 1: 'the target breaks the contract', 2: 'configuration or target error' };

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  process.env.PACT_DO_NOT_TRACK = 'true';
  let config: Config;
  try {
    // --shard=i/n and suite files are the runner's (src/runner/args.ts); the rest goes to vitest.
    const runner = runnerArgs(argv, process.env);
    argv = runner.argv;
    Object.assign(process.env, runner.env);
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ShardError || error instanceof ConcurrencyError) {
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
  // Pact reads PACT_BROKER_* from the environment by itself; the rules verify the committed pact
  // only, so the broker settings are kept for the publish step and hidden from the run.
  const brokerEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PACT_BROKER_') || k.startsWith('PACT_PROVIDER_')));
  for (const k of Object.keys(brokerEnv)) delete process.env[k];
  const reporter = new ConformanceReporter();
  try {
    const vitest = await startVitest('test', argv, { project: 'conformance', watch: false, run: true, reporters: [reporter] });
    await vitest.close();
  } catch (error) {
    console.error(`error: the run could not start: ${(error as Error).message}`);
    return EXIT.error;
  }
  let code = reporter.exitCode;
  Object.assign(process.env, brokerEnv);
  code = Math.max(code, await publishToBroker(config));
  console.log(`exit ${code}: ${MEANING[code]}`);
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(EXIT.error);
  });
}
