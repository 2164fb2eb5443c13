// The floor of `npm run bench:emulator`: a bare node:http server that reads each request's body and
// answers a fixed JSON envelope with the status the emulator would give (the scenario is told by the
// method and the body's first byte), and does nothing else. What the emulator costs above it is its own.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, get: { type: 'string' }, invalid: { type: 'string' }, created: { type: 'string' } } });
const answers = { get: JSON.parse(values.get!), invalid: JSON.parse(values.invalid!), created: JSON.parse(values.created!) } as Record<string, { status: number; body: string }>;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const { status, body: text } = req.method === 'GET' ? answers.get! : body.toString('utf8').trimEnd().endsWith('}') ? answers.created! : answers.invalid!;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`serving on http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
