// A child process that runs Pact verifications for its parent, one at a time. Pact's verifier is
// native code that prints to this process's stdout (fd 1), out of the reach of the parent's console:
// here that stdout is a pipe the parent reads, redacts and condenses. Jobs come in on stdin, one JSON
// line each; after each job's own output comes one result line behind the host's mark (with its nonce).
import { createInterface } from 'node:readline';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact-core';
import { MARK_ENV, RESULT_MARK, type VerifierResult } from './verifier-host.ts';

async function verify(options: VerifierOptions): Promise<Omit<VerifierResult, 'output'>> {
  try {
    return { ok: true, json: await new Verifier(options).verify() };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // A failed verification rejects with the verifier's JSON; anything else is an error.
    return text.trimStart().startsWith('{') ? { ok: false, json: text } : { ok: false, error: text };
  }
}

const mark = process.env[MARK_ENV] ?? RESULT_MARK;
const lines = createInterface({ input: process.stdin });
let queue: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const { id, options } = JSON.parse(line) as { id: number; options: VerifierOptions };
    const result = await verify(options);
    process.stdout.write(`\n${mark}${JSON.stringify({ id, ...result })}\n`);
  });
});
lines.on('close', () => { void queue.then(() => process.exit(0)); });
