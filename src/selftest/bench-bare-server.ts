// The floor of `npm run bench:emulator`: a bare node:http server that reads each request's body and
// answers a fixed JSON envelope with the status the emulator would give, and does nothing else. The
// scenario is told by the key (the rate-limited one), the method and the body's last byte. What the
// emulator costs above it is its own. Started as a child process by src/selftest/bench-emulator.ts.
//
// With --keep-runs N it is the create path's second floor: each create answer carries a fresh run id
// and is kept (the newest N), as any create must be for a later read to find it. Keeping runs costs
// every server the same garbage-collector work, so it shows what of the emulator's gap is not its own.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { contract } from '../contract/index.ts';
import { choices } from '../contract/emulator-choices.ts';
import { randomBase62 } from '../emulator/state.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, answers: { type: 'string' }, 'limited-auth': { type: 'string' }, 'keep-runs': { type: 'string' } } });
type Fixed = { status: number; body: string };
const answers = JSON.parse(values.answers!) as { get: Fixed; invalid: Fixed; created: Fixed; limited: Fixed };
const limitedAuth = values['limited-auth'];
const keep = values['keep-runs'] === undefined ? 0 : Number(values['keep-runs']);

/** The created answer around its id: a new id goes between the two halves. */
const [before, after] = answers.created.body.split((JSON.parse(answers.created.body) as { id: string }).id) as [string, string];
const runs = new Map<string, string>();
/** The kept ids, oldest first from `slot` on: the newest `keep` stay. */
const ring: (string | undefined)[] = new Array(keep);
let slot = 0;

function createdText(): string {
  if (keep === 0) return answers.created.body;
  const id = contract.limits.runs.idPrefix + randomBase62(choices.runIdRandomChars);
  const text = before + id + after;
  const oldest = ring[slot];
  if (oldest !== undefined) runs.delete(oldest);
  runs.set(id, text);
  ring[slot] = id;
  slot = (slot + 1) % keep;
  return text;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const answer = req.headers.authorization === limitedAuth ? answers.limited
      : req.method === 'GET' ? answers.get : body.toString('utf8').trimEnd().endsWith('}') ? answers.created : answers.invalid;
    const text = answer === answers.created ? createdText() : answer.body;
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`serving on http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
