// `npm run bench:emulator`: throughput of the reference emulator (load mode, `--rate-limit off`)
// against `prism mock` of the same document, at 64 connections, on one machine, interleaved
// (emulator, Prism, emulator, Prism, …) so drift in a shared machine hits both. A bare node:http
// server giving the emulator's own answers byte for byte (bench-bare-server.ts) is measured the same
// way: the floor of the platform, so what the emulator adds per path can be told from what HTTP costs. Writes the section
// `emulator` of reports/bench.json (merged into the file if it exists). Every answer must have the
// scenario's expected status; anything else (a 429, a 5xx, a socket error) makes the run exit 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort } from '../selftest/free-port.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { request } from 'undici';
import { contract, contractsDir } from '../contract/index.ts';
import { choices } from '../contract/emulator-choices.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONNECTIONS = 64;

interface Target { name: 'emulator' | 'prism' | 'node'; url: string; key: string; child: ChildProcess }
interface Scenario { name: string; method: 'GET' | 'POST'; path: string; body?: string; expect: Record<Target['name'], number[]> }

const root = contract.limits.apiRootPath;
const createPath = root + contract.limits.endpoints.createRun.path;
const statusOf = (code: string) => contract.errors.errors.find((e) => e.code === code)!.status;
const doc = JSON.parse(readFileSync(join(contractsDir, 'openapi.json'), 'utf8'));
const validCreate = JSON.stringify(doc.paths[createPath].post.requestBody.content['application/json'].examples.created.value);

// Prism mock answers from the document: the first success example, or 4xx for a request it judges invalid.
const scenarios: Scenario[] = [
  { name: 'GET unknown run', method: 'GET', path: `${root}${contract.limits.endpoints.readRun.path.replace('{id}', `${contract.limits.runs.idPrefix}${'0'.repeat(choices.runIdRandomChars)}`)}`, expect: { emulator: [statusOf(contract.errors.faults.unknownRun.code)], node: [statusOf(contract.errors.faults.unknownRun.code)], prism: [contract.limits.endpoints.readRun.successStatus] } },
  { name: 'POST invalid JSON', method: 'POST', path: createPath, body: '{"model": ', expect: { emulator: [statusOf(contract.errors.faults.notJson.code)], node: [statusOf(contract.errors.faults.notJson.code)], prism: [400, 415, 422] } },
  { name: 'POST create', method: 'POST', path: createPath, body: validCreate, expect: { emulator: [contract.limits.endpoints.createRun.successStatus], node: [contract.limits.endpoints.createRun.successStatus], prism: [contract.limits.endpoints.createRun.successStatus] } },
];

/** Start a child and wait (bounded) until `ready` appears in its output. */
function startChild(cmd: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${cmd} did not start in 60 s:\n${output}`)); }, 60_000);
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) { clearTimeout(timer); resolve({ child, output: () => output }); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited ${code}:\n${output}`)); });
  });
}

async function startEmulatorTarget(): Promise<Target> {
  const { child, output } = await startChild(process.execPath, ['--import', 'tsx', 'src/cli/emulator.ts', '--port', '0', '--rate-limit', 'off'], /serving/);
  const url = /^RUNBASE_URL=(.*)$/m.exec(output())![1]!;
  const key = /^RUNBASE_API_KEY=([^,\n]*)/m.exec(output())![1]!;
  return { name: 'emulator', url, key, child };
}

async function startPrismTarget(): Promise<Target> {
  const port = await freePort();
  const prism = join(repoRoot, 'node_modules', '.bin', 'prism');
  if (!existsSync(prism)) throw new Error('npm package @stoplight/prism-cli is not installed (npm install)');
  // --errors=false: answer from the document even for requests it finds invalid (as a plain mock would).
  const { child } = await startChild(prism, ['mock', join(contractsDir, 'openapi.json'), '--host', '127.0.0.1', '--port', String(port)], /Prism is listening/);
  return { name: 'prism', url: `http://127.0.0.1:${port}`, key: `${contract.limits.keys.prefix}${'0'.repeat(choices.keyRandomChars)}`, child };
}

/** The emulator's answer to one request of `scenario`: what the bare server gives back every time. */
async function answerOf(target: Target, scenario: Scenario): Promise<{ status: number; body: string }> {
  const res = await request(target.url + scenario.path, {
    method: scenario.method,
    headers: { authorization: `${contract.limits.keys.scheme} ${target.key}`, ...(scenario.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

async function startBareTarget(emulator: Target): Promise<Target> {
  const [get, invalid, created] = await Promise.all(scenarios.map((s) => answerOf(emulator, s)));
  const args = ['--import', 'tsx', 'src/cli/bench-bare-server.ts', '--get', JSON.stringify(get), '--invalid', JSON.stringify(invalid), '--created', JSON.stringify(created)];
  const { child, output } = await startChild(process.execPath, args, /serving on/);
  return { name: 'node', url: /serving on (\S+)/.exec(output())![1]!, key: emulator.key, child };
}

interface Sample { reqPerSec: number; p50Ms: number; p99Ms: number; requests: number }

async function measure(target: Target, scenario: Scenario, seconds: number): Promise<Sample> {
  const result = await autocannon({
    url: target.url + scenario.path,
    connections: CONNECTIONS,
    duration: seconds,
    method: scenario.method,
    headers: { authorization: `${contract.limits.keys.scheme} ${target.key}`, ...(scenario.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
  });
  const statuses = Object.keys(result.statusCodeStats).map(Number);
  const unexpected = statuses.filter((s) => !scenario.expect[target.name].includes(s));
  if (result.errors > 0 || result.timeouts > 0 || unexpected.length > 0 || result.requests.total === 0) {
    throw new Error(`${target.name} ${scenario.name}: unexpected answers (statuses ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts): the figures would be meaningless`);
  }
  return { reqPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, requests: result.requests.total };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<number> {
  const usage = 'usage: npm run bench:emulator -- [--rounds 3] [--seconds 5] [--out reports/bench.json]';
  let values;
  try {
    ({ values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, out: { type: 'string', default: join(repoRoot, 'reports', 'bench.json') }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(`${usage}\nThe emulator in load mode against prism mock of contracts/openapi.json and a bare node:http server (the floor), interleaved rounds; medians into the emulator section of the --out file.`);
    return 0;
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10 || !Number.isInteger(seconds) || seconds < 1 || seconds > 30) {
    console.error('--rounds must be 1-10 and --seconds 1-30');
    return 2;
  }
  const targets: Target[] = [];
  try {
    const emulator = await startEmulatorTarget();
    targets.push(emulator, await startPrismTarget(), await startBareTarget(emulator));
    const samples = new Map<string, Sample[]>();
    // Warm both (JIT, connection set-up), unrecorded.
    for (const t of targets) for (const s of scenarios) await measure(t, s, 1);
    for (let r = 0; r < rounds; r++) {
      for (const s of scenarios) {
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          const sample = await measure(t, s, seconds);
          const key = `${s.name}|${t.name}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          console.error(`round ${r + 1}/${rounds} ${s.name.padEnd(18)} ${t.name.padEnd(8)} ${Math.round(sample.reqPerSec).toString().padStart(7)} req/s  p99 ${sample.p99Ms} ms`);
        }
      }
    }
    const results = scenarios.map((s) => {
      const of = (t: Target['name']) => {
        const xs = samples.get(`${s.name}|${t}`)!;
        return { reqPerSec: Math.round(median(xs.map((x) => x.reqPerSec))), p50Ms: median(xs.map((x) => x.p50Ms)), p99Ms: median(xs.map((x) => x.p99Ms)), runs: xs.map((x) => ({ reqPerSec: Math.round(x.reqPerSec), p99Ms: x.p99Ms })) };
      };
      const emulator = of('emulator');
      const prism = of('prism');
      const floor = of('node');
      return { scenario: s.name, method: s.method, emulator, prism, nodeHttpFloor: floor, ratio: round1(emulator.reqPerSec / prism.reqPerSec), ofFloor: Math.round((emulator.reqPerSec / floor.reqPerSec) * 100) / 100 };
    });
    const section = {
      what: 'reference emulator (npm run emulator -- --rate-limit off) vs prism mock of contracts/openapi.json, and a bare node:http server giving the emulator\'s answers (the floor); medians of interleaved runs',
      connections: CONNECTIONS, secondsPerRun: seconds, rounds, tool: 'autocannon',
      goal: { ratio: 10, p99Ms: 5 },
      note: 'one shared machine: the load generator, the emulator and Prism compete for the same cores, and other work on the machine adds noise',
      results,
    };
    mkdirSync(join(values.out!, '..'), { recursive: true });
    const existing = existsSync(values.out!) ? JSON.parse(readFileSync(values.out!, 'utf8')) : {};
    const machine = existing.machine ?? { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
    writeFileSync(values.out!, `${JSON.stringify({ ...existing, machine, date: new Date().toISOString(), sections: { ...(existing.sections ?? {}), emulator: section } }, null, 2)}\n`);
    console.log('| scenario | emulator req/s | emulator p99 | prism mock req/s | prism p99 | ratio | bare node:http req/s | p99 | emulator of floor |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of results) console.log(`| ${r.scenario} | ${r.emulator.reqPerSec} | ${r.emulator.p99Ms} ms | ${r.prism.reqPerSec} | ${r.prism.p99Ms} ms | ${r.ratio}× | ${r.nodeHttpFloor.reqPerSec} | ${r.nodeHttpFloor.p99Ms} ms | ${Math.round(r.ofFloor * 100)}% |`);
    console.log(`wrote the "emulator" section of ${values.out}`);
    return 0;
  } catch (error) {
    console.error(`bench:emulator: ${(error as Error).message}`);
    return 2;
  } finally {
    for (const t of targets) t.child.kill('SIGTERM');
  }
}

main().then((code) => process.exit(code));
