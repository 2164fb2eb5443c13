// A long-lived process that runs the conformance CLI's `main()` once per job, for the mutation matrix.
// Each job is a whole `npm test`: its own environment, its own vitest run with its own worker process,
// its own reporter and report directory, real HTTP to the target given in that environment. Only the
// cost of starting node, tsx and vitest's module graph is paid once per runner instead of once per job.
// Protocol (IPC): parent sends { id, env, argv? }, runner answers { id, code, output }.
import { main } from '../runner/main.ts';

interface Job { id: number; env: Record<string, string>; argv?: string[] }

function capture(): { output: () => string; restore: () => void } {
  let text = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const take = (chunk: unknown) => { text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'); return true; };
  process.stdout.write = take as typeof process.stdout.write;
  process.stderr.write = take as typeof process.stderr.write;
  return { output: () => text, restore: () => { process.stdout.write = out; process.stderr.write = err; } };
}

/** The job's environment, and nothing left from the previous job. */
function useEnv(env: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
}

let queue = Promise.resolve();
process.on('message', (job: Job) => {
  queue = queue.then(async () => {
    useEnv(job.env);
    const io = capture();
    let code: number | null;
    try {
      code = await main(job.argv ?? []);
    } catch (error) {
      process.stderr.write(`runner: ${(error as Error).stack ?? error}\n`);
      code = null;
    } finally {
      io.restore();
    }
    process.send!({ id: job.id, code, output: io.output() });
  });
});
process.send!({ ready: true });
