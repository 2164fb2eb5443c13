// `npm run deviant-emulator -- --deviation NAME` (installed: `runbase-deviant-emulator`): a deliberately
// broken emulator on a real port, printing its fixture variables like `npm run emulator`, for seeing
// what a failure looks like (and for the project's own tests). --list names every deviation.
import { parseArgs } from 'node:util';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import { deviations } from '../selftest/deviations.ts';

const HELP = `Usage: runbase-deviant-emulator --deviation NAME [--port 0] [--host 127.0.0.1]
       runbase-deviant-emulator --list
(in a clone: npm run deviant-emulator -- …)

Starts the reference emulator with one deliberate deviation from the contract (virtual clock), prints
its fixture variables as .env lines on stdout, and serves until Ctrl-C. Run the suite against it
(RUNBASE_ENV_FILE=that-file runbase-conformance) to see how a broken target is reported: the rules
each deviation names must fail (gate), warn (warn) or record something else (observe).
--list prints every deviation: name, level, the rules that notice it, what it breaks.`;

function list(): string {
  return deviations.map((d) => `${d.name.padEnd(34)} ${d.level.padEnd(7)} ${d.caughtBy.join(', ')}\n${' '.repeat(43)}${d.description}`).join('\n');
}

async function main(): Promise<number> {
  // Listen for Ctrl-C from the start: a stop that comes while it starts still ends it cleanly (exit 0).
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  let args;
  try {
    args = parseArgs({ options: { deviation: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) { console.log(HELP); return 0; }
  if (args.list) { console.log(list()); return 0; }
  const deviation = deviations.find((d) => d.name === args.deviation);
  if (!deviation) {
    console.error(`${args.deviation === undefined ? '--deviation is required' : `unknown deviation '${args.deviation}'`}; one of:\n${deviations.map((d) => `  ${d.name}`).join('\n')}\n\n${HELP}`);
    return 2;
  }
  const port = args.port ?? '0';
  if (!/^\d+$/.test(port) || Number(port) > 65535) { console.error(`--port must be a port number (0-65535), got '${port}'`); return 2; }
  let emulator;
  try {
    emulator = await startEmulator({ clock: 'virtual', host: args.host ?? '127.0.0.1', port: Number(port), steps: deviation.steps() });
  } catch (error) {
    console.error(`could not start the emulator: ${(error as Error).message}`);
    return 2;
  }
  const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  process.stdout.write(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nRUNBASE_CLOCK=virtual\n`);
  console.error(`deviant emulator (${deviation.name}: ${deviation.description}) serving ${emulator.url}/api/v1; Ctrl-C to stop`);
  await stopped;
  await emulator.close();
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
});
