// The parent side of verifier-process.ts: one child per host, jobs in order, and each job's stdout
// and stderr captured (never printed) so the caller can redact and condense it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { VerifierOptions } from '@pact-foundation/pact-core';

/** The child's result line starts with this, then the host's nonce: a target cannot forge it into Pact's printed text. */

/**
 * Pact's verifier reads PACT_BROKER_* (and PACT_PROVIDER_*) from its environment by itself; the
 * rules verify the committed pact only, so the broker settings stay with the publish step.
 */
const withoutBroker = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PACT_BROKER_') && !k.startsWith('PACT_PROVIDER_')));
export const RESULT_MARK = '\u001eRUNBASE-PACT-RESULT ';
export const MARK_ENV = 'RB_PACT_RESULT_MARK';

export interface VerifierResult {
  /** True when every interaction verified. */
  ok: boolean;
  /** The verifier's JSON (result, errors with their mismatches), when it got that far. */
  json?: string;
  /** Why the verifier could not run or finish, when it did not produce its JSON. */
  error?: string;
  /** What the verifier printed (stdout and stderr), unredacted: the caller redacts it. */
  output: string;
}

export interface VerifierHost {
  verify(options: VerifierOptions): Promise<VerifierResult>;
  close(): Promise<void>;
}

const childScript = fileURLToPath(new URL('./verifier-process.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function startVerifierHost(): VerifierHost {
  let child: ChildProcessWithoutNullStreams | undefined;
  let output = '';
  let pending: { id: number; resolve: (r: VerifierResult) => void; reject: (e: Error) => void } | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  const mark = `${RESULT_MARK}${randomBytes(16).toString('hex')} `;

  function onStdout(chunk: string): void {
    output += chunk;
    const at = output.indexOf(mark);
    if (at === -1 || !pending) return;
    const end = output.indexOf('\n', at);
    if (end === -1) return;
    const result = JSON.parse(output.slice(at + mark.length, end)) as Omit<VerifierResult, 'output'> & { id: number };
    const own = output.slice(0, at);
    output = output.slice(end + 1);
    const done = pending;
    pending = undefined;
    if (result.id !== done.id) return done.reject(new Error(`Pact verifier answered job ${result.id} for job ${done.id}`));
    const { id: _id, ...rest } = result;
    done.resolve({ ...rest, output: own });
  }

  function ensureChild(): ChildProcessWithoutNullStreams {
    if (child) return child;
    const c = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...withoutBroker(process.env), PACT_DO_NOT_TRACK: 'true', NO_COLOR: '1', [MARK_ENV]: mark },
    });
    const ended = (why: string) => {
      pending?.resolve({ ok: false, error: `the Pact verifier process ${why}`, output });
      pending = undefined;
      child = undefined;
    };
    // A child that cannot start, or dies, ends its job with the reason.
    c.on('error', (error) => ended(`could not start: ${error.message}`));
    c.stdin.on('error', () => undefined);
    c.stdout.setEncoding('utf8').on('data', onStdout);
    c.stderr.setEncoding('utf8').on('data', (d: string) => { output += d; });
    c.on('exit', (code, signal) => ended(`ended (${signal ?? `exit ${code}`})`));
    child = c;
    return c;
  }

  function verify(options: VerifierOptions): Promise<VerifierResult> {
    const run = queue.then(() => new Promise<VerifierResult>((resolve, reject) => {
      const c = ensureChild();
      output = '';
      const id = nextId++;
      pending = { id, resolve, reject };
      c.stdin.write(`${JSON.stringify({ id, options })}\n`);
    }));
    queue = run.catch(() => undefined);
    return run;
  }

  async function close(): Promise<void> {
    const c = child;
    if (!c) return;
    // stdin's end lets the child finish its queue and exit; a child that does not is killed.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => { clearTimeout(timer); resolve(); });
      c.stdin.end();
    });
  }

  return { verify, close };
}
