// Every shell block of the README and the docs pages, and every example of every command's --help,
// run as a script would run it: non-interactively (no job control, no terminal), in a user's directory
// (test/sandbox.ts), bounded in time. A command may fail only with the exit code its own comment
// announces ("exits 1"), and nothing a block started may outlive it (a background server must be
// stopped by the block itself, within 2 s). A block that cannot run here says so just above its fence:
// `<!-- example: not run — the reason -->`; a block that installs or runs the project's own tests
// must say so, so it is never run by accident.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { cleanEnv, repoRoot } from '../helpers.ts';
import { makeSandbox } from '../sandbox.ts';

export interface ShellBlock { file: string; line: number; text: string; notRun?: string }

const FENCE = /^```\s*(\S*)/;
const SHELL = ['sh', 'bash', 'shell'];
const NOT_RUN = /^<!--\s*example:\s*not run\s*[—–-]\s*(.+?)\s*-->$/;
/** Commands a test must never run in a user's directory (they install, or recurse into this suite). */
const NEVER_RUN = /\bnpm (ci|install|i|run test:self)\b/;

/** The fenced shell blocks of a markdown text, each with the reason it is not run, if its marker gives one. */
export function shellBlocks(file: string, markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    let end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end === -1) end = lines.length;
    if (SHELL.includes(open[1]!)) {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marker = before >= 0 ? NOT_RUN.exec(lines[before]!.trim()) : null;
      blocks.push({ file, line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(marker ? { notRun: marker[1] } : {}) });
    }
    i = end;
  }
  return blocks;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
}

/** The `Examples:` section of a --help text: one command a line, indented. */
export function helpExamples(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Examples:');
  if (start === -1) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('  ')) break;
    out.push(l.trim());
  }
  return out;
}

interface ScriptRun { code: number | null; output: string; failures: { code: number; command: string }[]; leftover: string[] }

const BLOCK_BOUND_MS = 240_000;
const STOP_BOUND_MS = 2_000;

/** Whether any process of the group is still there. */
function groupAlive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

function processesOf(pgid: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Run `script` with bash in `dir`, its own process group, no terminal; every failing command is recorded. */
async function runScript(dir: string, script: string): Promise<ScriptRun> {
  const file = join(dir, '.example.sh');
  // The ERR trap records each failing command and its status without stopping, as a plain script goes on.
  writeFileSync(file, `trap 'echo "EXAMPLE-FAILED $? $BASH_COMMAND" >&2' ERR\n${script}\n`);
  const env = cleanEnv({ PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH}` });
  delete env.RUNBASE_ENV_FILE;
  const child = spawn('bash', [file], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, BLOCK_BOUND_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  // What the block started and stopped has STOP_BOUND_MS to be gone (a bounded poll of the process table).
  const deadline = Date.now() + STOP_BOUND_MS;
  while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const leftover = processesOf(child.pid!);
  if (leftover.length) try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
  const failures = [...output.matchAll(/^EXAMPLE-FAILED (\d+) (.*)$/gm)].map((m) => ({ code: Number(m[1]), command: m[2]! }));
  return { code, output, failures, leftover };
}

/** The failures no comment announces: "exits N" (or "exit N") in the comment on a command's line, or in
 * the comment lines just above it, allows exit N of that command. */
function unannounced(script: string, failures: ScriptRun['failures']): ScriptRun['failures'] {
  const lines = script.split('\n');
  return failures.filter((f) => {
    const at = lines.findIndex((l) => l.includes(f.command.trim()));
    if (at === -1) return true;
    let comments = lines[at]!.includes('#') ? lines[at]!.slice(lines[at]!.indexOf('#')) : '';
    for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) comments += lines[i]!;
    return !new RegExp(`\\bexits? ${f.code}\\b`).test(comments);
  });
}

const running: RunningEmulator[] = [];
const sandboxes: string[] = [];
/** The settings files the docs name for two targets of a comparison. */
const targets: Record<string, string> = {};

/** A fresh user's directory, holding those settings files (except one the block writes itself). */
function sandbox(script = ''): string {
  const dir = makeSandbox();
  sandboxes.push(dir);
  for (const [file, text] of Object.entries(targets)) if (!script.includes(`> ${file}`)) writeFileSync(join(dir, file), text);
  return dir;
}

beforeAll(async () => {
  // `.env.production` and `.env.emulator` in the examples: here emulators on a virtual clock, on real ports.
  for (const file of ['.env.production', '.env.emulator']) {
    const emulator = await startEmulator({ clock: 'virtual' });
    running.push(emulator);
    const env = { ...provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken }), RUNBASE_CLOCK: 'virtual' };
    targets[file] = `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  }
});
afterAll(async () => {
  for (const e of running) await e.close();
  for (const d of sandboxes) rmSync(d, { recursive: true, force: true });
});

const docs = [join(repoRoot, 'README.md'), ...markdownFiles(join(repoRoot, 'docs'))];
const blocks = docs.flatMap((f) => shellBlocks(relative(repoRoot, f), readFileSync(f, 'utf8')));

describe('the shell blocks of the README and docs, run as a script', () => {
  it('finds the blocks, and every block that installs or runs the project\'s own tests is marked not to be run', () => {
    expect(blocks.filter((b) => !b.notRun).length).toBeGreaterThan(0);
    for (const b of blocks) if (NEVER_RUN.test(b.text)) expect({ at: `${b.file}:${b.line}`, notRun: b.notRun ?? 'unmarked' }).not.toMatchObject({ notRun: 'unmarked' });
  });

  for (const block of blocks.filter((b) => !b.notRun && !NEVER_RUN.test(b.text))) {
    it(`${block.file}:${block.line} runs as written, and leaves no process behind`, async () => {
      const run = await runScript(sandbox(block.text), block.text);
      expect({ at: `${block.file}:${block.line}`, failures: unannounced(block.text, run.failures), leftover: run.leftover }, run.output).toEqual({ at: `${block.file}:${block.line}`, failures: [], leftover: [] });
    }, BLOCK_BOUND_MS + 10_000);
  }
});

const bins = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin);

describe('every --help example, run as a script', () => {
  it('collects the examples of every command', async () => {
    const dir = sandbox();
    const examples: string[] = [];
    for (const bin of bins) {
      const help = await runScript(dir, `${bin} --help`);
      expect({ bin, failures: help.failures }).toEqual({ bin, failures: [] });
      examples.push(...helpExamples(help.output));
    }
    expect(examples.length).toBeGreaterThan(0);
    const run = await runScript(dir, examples.join('\n'));
    expect({ failures: unannounced(examples.join('\n'), run.failures), leftover: run.leftover }, run.output).toEqual({ failures: [], leftover: [] });
  }, BLOCK_BOUND_MS + 60_000);
});
