// The floor of `npm run bench:emulator`: a bare node:http server that reads each request's body and
// answers a fixed JSON envelope with the status the emulator would give, and does nothing else. The
// scenario is told by the key (the rate-limited one), the method and the body's last byte. What the
// emulator costs above it is its own. Started as a child process by src/selftest/bench-emulator.ts.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, answers: { type: 'string' }, 'limited-auth': { type: 'string' } } });
type Fixed = { status: number; body: string };
const answers = JSON.parse(values.answers!) as { get: Fixed; invalid: Fixed; created: Fixed; limited: Fixed };
const limitedAuth = values['limited-auth'];

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const { status, body: text } = req.headers.authorization === limitedAuth ? answers.limited
      : req.method === 'GET' ? answers.get : body.toString('utf8').trimEnd().endsWith('}') ? answers.created : answers.invalid;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`serving on http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
