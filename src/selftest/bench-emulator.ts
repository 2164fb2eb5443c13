// The emulator benchmark behind `npm run bench:emulator`: throughput of the reference emulator (load
// mode) against `prism mock` of the same document and against a bare node:http server giving the
// emulator's own answers byte for byte (bench-bare-server.ts: the floor of the platform), at 64
// connections, on one machine, interleaved (emulator, Prism, floor, then the other way round) so drift
// on a shared machine hits all of them. Besides req/s and latency, each sample has the server
// process's CPU time per request (Linux /proc), which other work on the machine distorts far less.
// Every answer must have the scenario's expected status; anything else (a 5xx, a socket error, an
// unexpected 429) throws: the figures would be meaningless.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';
import { contract, contractsDir } from '../contract/index.ts';
import { choices } from '../contract/emulator-choices.ts';
import { freePort } from '../selftest/free-port.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const CONNECTIONS = 64;

export type TargetName = 'emulator' | 'prism' | 'node' | 'node-keeping';
interface Target {
  name: TargetName;
  urlFor(scenario: Scenario): string;
  /** The process that serves the scenario (its CPU time is measured). */
  pidFor(scenario: Scenario): number | undefined;
  headersFor(scenario: Scenario): Record<string, string>;
}
export interface Scenario {
  name: string;
  /** The bare server's answer this scenario gets. */
  answer: 'get' | 'invalid' | 'created' | 'limited';
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  expect: Record<'emulator' | 'prism' | 'node', number[]>;
}

const root = contract.limits.apiRootPath;
const createPath = root + contract.limits.endpoints.createRun.path;
const statusOf = (code: string) => contract.errors.errors.find((e) => e.code === code)!.status;
const doc = JSON.parse(readFileSync(join(contractsDir, 'openapi.json'), 'utf8'));
const validCreate = JSON.stringify(doc.paths[createPath].post.requestBody.content['application/json'].examples.created.value);
const unknownRunPath = `${root}${contract.limits.endpoints.readRun.path.replace('{id}', `${contract.limits.runs.idPrefix}${'0'.repeat(choices.runIdRandomChars)}`)}`;
const rateLimited = statusOf(contract.errors.faults.rateLimited.code);

// Prism mock answers from the document: the first success example, 4xx for a request it judges
// invalid, or the status a `Prefer: code=…` header asks for.
export const scenarios: Scenario[] = [
  { name: 'GET unknown run', answer: 'get', method: 'GET', path: unknownRunPath, expect: { emulator: [statusOf(contract.errors.faults.unknownRun.code)], node: [statusOf(contract.errors.faults.unknownRun.code)], prism: [contract.limits.endpoints.readRun.successStatus] } },
  { name: 'POST invalid JSON', answer: 'invalid', method: 'POST', path: createPath, body: '{"model": ', expect: { emulator: [statusOf(contract.errors.faults.notJson.code)], node: [statusOf(contract.errors.faults.notJson.code)], prism: [400, 415, 422] } },
  { name: 'POST create', answer: 'created', method: 'POST', path: createPath, body: validCreate, expect: { emulator: [contract.limits.endpoints.createRun.successStatus], node: [contract.limits.endpoints.createRun.successStatus], prism: [contract.limits.endpoints.createRun.successStatus] } },
  // A key whose budget is spent: every request is refused at the rate-limit step.
  { name: 'GET rate-limited', answer: 'limited', method: 'GET', path: unknownRunPath, expect: { emulator: [rateLimited], node: [rateLimited], prism: [rateLimited] } },
];

/** Start a child and wait (bounded) until `ready` appears in its output. */
function startChild(started: ChildProcess[], cmd: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  started.push(child);
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

const auth = (key: string) => `${contract.limits.keys.scheme} ${key}`;
const bodyHeaders = (s: Scenario): Record<string, string> => (s.body === undefined ? {} : { 'content-type': 'application/json' });

/**
 * The emulator in load mode (no per-key limit) for the first three scenarios; for the rate-limited
 * one, a second emulator whose limit is one request a day per key, with that request spent (an
 * idle process costs the other nothing).
 */
async function startEmulatorTarget(started: ChildProcess[]): Promise<{ target: Target; limitedAuth: string }> {
  const start = async (rateLimit: string) => {
    const { child, output } = await startChild(started, process.execPath, ['--import', 'tsx', 'src/cli/emulator.ts', '--port', '0', '--pool-size', '2', '--rate-limit', rateLimit], /serving/);
    return { child, url: /^RUNBASE_URL=(.*)$/m.exec(output())![1]!, key: /^RUNBASE_API_KEY=([^,\n]*)/m.exec(output())![1]! };
  };
  const open = await start('off');
  const limited = await start('1/86400000');
  const spent = await request(limited.url + unknownRunPath, { headers: { authorization: auth(limited.key) } });
  await spent.body.text();
  const of = (s: Scenario) => (s.answer === 'limited' ? limited : open);
  return {
    target: { name: 'emulator', urlFor: (s) => of(s).url, pidFor: (s) => of(s).child.pid, headersFor: (s) => ({ authorization: auth(of(s).key), ...bodyHeaders(s) }) },
    limitedAuth: auth(limited.key),
  };
}

async function startPrismTarget(started: ChildProcess[]): Promise<Target> {
  const port = await freePort();
  const prism = join(repoRoot, 'node_modules', '.bin', 'prism');
  if (!existsSync(prism)) throw new Error('npm package @stoplight/prism-cli is not installed (npm install)');
  const { child } = await startChild(started, prism, ['mock', join(contractsDir, 'openapi.json'), '--host', '127.0.0.1', '--port', String(port)], /Prism is listening/);
  const key = `${contract.limits.keys.prefix}${'0'.repeat(choices.keyRandomChars)}`;
  return { name: 'prism', urlFor: () => `http://127.0.0.1:${port}`, pidFor: () => child.pid, headersFor: (s) => ({ authorization: auth(key), ...bodyHeaders(s), ...(s.answer === 'limited' ? { prefer: `code=${rateLimited}` } : {}) }) };
}

/** The emulator's answer to one request of `scenario`: what the bare server gives back every time. */
async function answerOf(target: Target, scenario: Scenario): Promise<{ status: number; body: string }> {
  const res = await request(target.urlFor(scenario) + scenario.path, { method: scenario.method, headers: target.headersFor(scenario), ...(scenario.body === undefined ? {} : { body: scenario.body }) });
  return { status: res.statusCode, body: await res.body.text() };
}

/** `keeping`: the create path's second floor, which mints an id per create and keeps the emulator's retention of runs. */
async function startBareTarget(started: ChildProcess[], emulator: Target, limitedAuth: string, keeping = false): Promise<Target> {
  const answers = Object.fromEntries(await Promise.all(scenarios.map(async (s) => [s.answer, await answerOf(emulator, s)] as const)));
  const args = ['--import', 'tsx', 'src/selftest/bench-bare-server.ts', '--answers', JSON.stringify(answers), '--limited-auth', limitedAuth, ...(keeping ? ['--keep-runs', String(choices.runRetention.maxRuns)] : [])];
  const { child, output } = await startChild(started, process.execPath, args, /serving on/);
  const url = /serving on (\S+)/.exec(output())![1]!;
  return { name: keeping ? 'node-keeping' : 'node', urlFor: () => url, pidFor: () => child.pid, headersFor: emulator.headersFor };
}

/** The keeping floor is measured on the create path only: no other path makes a run. */
const measuredOn = (t: Target, s: Scenario) => t.name !== 'node-keeping' || s.answer === 'created';
const expected = (t: TargetName, s: Scenario) => s.expect[t === 'node-keeping' ? 'node' : t];

/** CPU time (user + system) a process has used, in ms; undefined off Linux. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields 14 and 15 (utime, stime) after the parenthesised command name, in clock ticks (100 Hz on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export interface Sample { reqPerSec: number; p50Ms: number; p99Ms: number; requests: number; cpuUsPerRequest?: number }

async function measure(target: Target, scenario: Scenario, seconds: number): Promise<Sample> {
  const pid = target.pidFor(scenario);
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    url: target.urlFor(scenario) + scenario.path,
    connections: CONNECTIONS,
    duration: seconds,
    method: scenario.method,
    headers: target.headersFor(scenario),
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
  });
  const cpuAfter = cpuMs(pid);
  const statuses = Object.keys(result.statusCodeStats).map(Number);
  const unexpected = statuses.filter((s) => !expected(target.name, scenario).includes(s));
  if (result.errors > 0 || result.timeouts > 0 || unexpected.length > 0 || result.requests.total === 0) {
    throw new Error(`${target.name} ${scenario.name}: unexpected answers (statuses ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts): the figures would be meaningless`);
  }
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? { cpuUsPerRequest: Math.round(((cpuAfter - cpuBefore) * 1000 / result.requests.total) * 10) / 10 } : {};
  return { reqPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, requests: result.requests.total, ...cpu };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

export interface TargetFigures { reqPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerRequest?: number; runs: { reqPerSec: number; p99Ms: number; cpuUsPerRequest?: number }[] }
export interface ScenarioResult {
  scenario: string; method: string;
  emulator: TargetFigures; prism?: TargetFigures; nodeHttpFloor: TargetFigures;
  /** Emulator ÷ Prism req/s. */
  ratio?: number;
  /** Medians of the per-round emulator ÷ floor req/s (the pair measured back to back). */
  ofFloor: number;
  /** Floor ÷ emulator server CPU per request: the same share, by CPU time. */
  ofFloorByCpu?: number;
  /** The create path only: the floor that also mints an id and keeps the run, and the emulator's share of it. */
  keepingFloor?: TargetFigures; ofKeepingFloor?: number; ofKeepingFloorByCpu?: number;
}

export const goal = { ofFloor: 0.8, p99Ms: 5 } as const;

export interface BenchOptions { rounds: number; seconds: number; prism: boolean; log?: (line: string) => void }

/** Start the targets, warm them, measure interleaved rounds, stop them; medians per scenario and target. */
export async function benchEmulator(o: BenchOptions): Promise<ScenarioResult[]> {
  const children: ChildProcess[] = [];
  try {
    const { target: emulator, limitedAuth } = await startEmulatorTarget(children);
    const targets: Target[] = [emulator];
    if (o.prism) targets.push(await startPrismTarget(children));
    targets.push(await startBareTarget(children, emulator, limitedAuth));
    targets.push(await startBareTarget(children, emulator, limitedAuth, true));
    const samples = new Map<string, Sample[]>();
    // Warm every target (JIT, connection set-up), unrecorded.
    for (const t of targets) for (const s of scenarios) if (measuredOn(t, s)) await measure(t, s, 1);
    for (let r = 0; r < o.rounds; r++) {
      for (const s of scenarios) {
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          if (!measuredOn(t, s)) continue;
          const sample = await measure(t, s, o.seconds);
          const key = `${s.name}|${t.name}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          o.log?.(`round ${r + 1}/${o.rounds} ${s.name.padEnd(18)} ${t.name.padEnd(8)} ${Math.round(sample.reqPerSec).toString().padStart(7)} req/s  p99 ${sample.p99Ms} ms${sample.cpuUsPerRequest === undefined ? '' : `  ${sample.cpuUsPerRequest} µs CPU/req`}`);
        }
      }
    }
    return scenarios.map((s) => {
      const of = (t: TargetName): TargetFigures | undefined => {
        const xs = samples.get(`${s.name}|${t}`);
        if (!xs) return undefined;
        const cpu = xs.every((x) => x.cpuUsPerRequest !== undefined) ? { cpuUsPerRequest: round1(median(xs.map((x) => x.cpuUsPerRequest!))) } : {};
        return { reqPerSec: Math.round(median(xs.map((x) => x.reqPerSec))), p50Ms: median(xs.map((x) => x.p50Ms)), p99Ms: median(xs.map((x) => x.p99Ms)), ...cpu, runs: xs.map((x) => ({ reqPerSec: Math.round(x.reqPerSec), p99Ms: x.p99Ms, ...(x.cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest: x.cpuUsPerRequest }) })) };
      };
      const emu = of('emulator')!;
      const prism = of('prism');
      const bare = of('node')!;
      const keeping = of('node-keeping');
      const share = (floor: TargetFigures) => ({
        req: round2(median(emu.runs.map((e, i) => e.reqPerSec / floor.runs[i]!.reqPerSec))),
        ...(emu.cpuUsPerRequest && floor.cpuUsPerRequest ? { cpu: round2(floor.cpuUsPerRequest / emu.cpuUsPerRequest) } : {}),
      });
      const ofBare = share(bare);
      const ofKeeping = keeping && share(keeping);
      return {
        scenario: s.name, method: s.method, emulator: emu, ...(prism ? { prism, ratio: round1(emu.reqPerSec / prism.reqPerSec) } : {}), nodeHttpFloor: bare,
        ofFloor: ofBare.req, ...(ofBare.cpu === undefined ? {} : { ofFloorByCpu: ofBare.cpu }),
        ...(keeping && ofKeeping ? { keepingFloor: keeping, ofKeepingFloor: ofKeeping.req, ...(ofKeeping.cpu === undefined ? {} : { ofKeepingFloorByCpu: ofKeeping.cpu }) } : {}),
      };
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

/** The results as a Markdown table. */
export function markdownTable(results: ScenarioResult[]): string {
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)}%`);
  const cpu = (f: TargetFigures | undefined) => (f?.cpuUsPerRequest === undefined ? '—' : `${f.cpuUsPerRequest} µs`);
  const lines = [
    '| scenario | emulator req/s | p99 | CPU/req | bare node:http req/s | p99 | CPU/req | emulator of floor (req/s) | (CPU) | `prism mock` req/s | ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(`| ${r.scenario} | ${r.emulator.reqPerSec} | ${r.emulator.p99Ms} ms | ${cpu(r.emulator)} | ${r.nodeHttpFloor.reqPerSec} | ${r.nodeHttpFloor.p99Ms} ms | ${cpu(r.nodeHttpFloor)} | ${pct(r.ofFloor)} | ${pct(r.ofFloorByCpu)} | ${r.prism?.reqPerSec ?? '—'} | ${r.ratio === undefined ? '—' : `${r.ratio}×`} |`);
  }
  for (const r of results) {
    if (!r.keepingFloor) continue;
    lines.push('', `${r.scenario} against a floor that also mints an id and keeps the newest ${choices.runRetention.maxRuns} runs: ${r.keepingFloor.reqPerSec} req/s, p99 ${r.keepingFloor.p99Ms} ms, ${cpu(r.keepingFloor)} CPU/req; the emulator is at ${pct(r.ofKeepingFloor)} of it (${pct(r.ofKeepingFloorByCpu)} by CPU).`);
  }
  return lines.join('\n');
}
