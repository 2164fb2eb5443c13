// For the project's own tests: a deliberately broken emulator as a standalone process, on a real
// port, printing its fixture variables like `npm run emulator`. Not part of the product.
import { parseArgs } from 'node:util';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import { deviationByName } from '../selftest/deviations.ts';

const { values } = parseArgs({ options: { deviation: { type: 'string' }, port: { type: 'string' } } });
const deviation = deviationByName(values.deviation ?? '');
const emulator = await startEmulator({ clock: 'virtual', port: Number(values.port ?? 0), steps: deviation.steps() });
const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
process.stdout.write(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nRUNBASE_CLOCK=virtual\n`);
console.error(`deviant emulator (${deviation.name}) serving ${emulator.url}`);
const stop = async () => { await emulator.close(); process.exit(0); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
