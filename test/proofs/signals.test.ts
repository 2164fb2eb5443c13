// Every long-running command the package ships stops when the PID the user holds gets SIGINT or
// SIGTERM, within 2 s, and leaves no process behind: started as the installed command
// (node_modules/.bin/…, the bin shim and its child), through `npm run` in a clone, and through `npx`
// (SIGTERM: npm passes SIGINT only to its `sh -c`, which waits; see docs/stopping.md).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers.ts';
import { makeSandbox } from '../sandbox.ts';

const STOP_BOUND_MS = 2_000;
const LEFTOVER_BOUND_MS = 10_000;
let dir: string;
let silent: Server;
/** Resolves at the next request the silent target receives. */
let nextRequest: () => Promise<void>;

beforeAll(async () => {
  dir = makeSandbox('runbase signals-');
  // compare keeps running while its base target has not answered: a target that never answers.
  let waiting: (() => void)[] = [];
  silent = createServer(() => { for (const w of waiting) w(); waiting = []; });
  nextRequest = () => new Promise((resolve) => { waiting.push(resolve); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  writeFileSync(join(dir, '.env.silent'), `RUNBASE_URL=${url}\nRUNBASE_API_KEY=sk-conformancesignalkey01,sk-conformancesignalkey02\nRUNBASE_TIMEOUT_MS=60000\n`);
});
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The processes of a group (every process a command started shares the group it was started in). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(pid));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

interface Stop { exitedWithinBound: boolean; leftover: number[]; output: string }

/**
 * Start `command` in its own process group (as a script's background job is), wait until it says
 * `ready`, send `signal` to its PID only, and see what is left after the bound.
 */
async function startAndStop(command: string[], ready: RegExp | (() => Promise<void>), signal: NodeJS.Signals): Promise<Stop> {
  const readyEvent = typeof ready === 'function' ? ready() : undefined;
  const child = spawn(command[0]!, command.slice(1), { cwd: dir, env: { ...cleanEnv(), PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH}` }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve) => {
    void readyEvent?.then(resolve);
    const see = (d: Buffer) => { output += d; if (ready instanceof RegExp && ready.test(output)) resolve(); };
    child.stdout.on('data', see);
    child.stderr.on('data', see);
    child.on('exit', () => resolve());
  });
  child.kill(signal);
  const bound = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), STOP_BOUND_MS).unref());
  const exitedWithinBound = (await Promise.race([exited.then(() => 'exited' as const), bound])) === 'exited';
  // The rest of the group must be gone too: this checks that nothing is left, not how fast (a loaded
  // machine may take longer than the 2 s the PID gets), so it polls the process table a while longer.
  const deadline = Date.now() + LEFTOVER_BOUND_MS;
  while (groupMembers(child.pid!).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const leftover = groupMembers(child.pid!);
  if (leftover.length || !exitedWithinBound) try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
  return { exitedWithinBound, leftover, output };
}

const SERVING = /serving http/;
const COMMANDS: { name: string; args: string[]; ready: RegExp | (() => Promise<void>) }[] = [
  { name: 'runbase-emulator', args: ['--port', '0'], ready: SERVING },
  { name: 'runbase-deviant-emulator', args: ['--deviation', 'forwarded-for-honoured'], ready: SERVING },
  // The base side is opened first and never answers: compare is mid-run when the signal comes.
  { name: 'runbase-compare', args: ['--base-env', '.env.silent', '--candidate-env', '.env.silent'], ready: () => nextRequest() },
];
const SCRIPT: Record<string, string> = { 'runbase-emulator': 'emulator', 'runbase-deviant-emulator': 'deviant-emulator', 'runbase-compare': 'compare' };

describe('long-running commands stop on a signal to the PID the user holds', () => {
  for (const { name, args, ready } of COMMANDS) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${name} (installed command) on ${signal}`, async () => {
        const stop = await startAndStop([join(dir, 'node_modules', '.bin', name), ...args], ready, signal);
        expect({ exitedWithinBound: stop.exitedWithinBound, leftover: stop.leftover }, stop.output).toEqual({ exitedWithinBound: true, leftover: [] });
      });
    }
    it(`${name} through npm run (a clone) on SIGTERM`, async () => {
      const stop = await startAndStop(['npm', 'run', '-s', SCRIPT[name]!, '--', ...args], ready, 'SIGTERM');
      expect({ exitedWithinBound: stop.exitedWithinBound, leftover: stop.leftover }, stop.output).toEqual({ exitedWithinBound: true, leftover: [] });
    });
    it(`${name} through npx on SIGTERM`, async () => {
      const stop = await startAndStop(['npx', '--no-install', name, ...args], ready, 'SIGTERM');
      expect({ exitedWithinBound: stop.exitedWithinBound, leftover: stop.leftover }, stop.output).toEqual({ exitedWithinBound: true, leftover: [] });
    });
  }
});
