// `npm run bench:emulator`: the emulator against the bare node:http floor and `prism mock`
// (src/selftest/bench-emulator.ts measures); this reads the arguments, prints the table and writes the
// `emulator` section of reports/bench.json (other sections kept).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEmulator, CONNECTIONS, goal, markdownTable } from '../selftest/bench-emulator.ts';
import { writeSection } from '../selftest/bench.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const usage = 'usage: npm run bench:emulator -- [--rounds 3] [--seconds 5] [--no-prism] [--out reports/bench.json]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, 'no-prism': { type: 'boolean' }, out: { type: 'string', default: join(repoRoot, 'reports', 'bench.json') }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(`${usage}\nThe emulator in load mode against a bare node:http server giving its answers (the floor), the same server minting an id and keeping the runs on the create path (the keeping floor), and prism mock of contracts/openapi.json, interleaved rounds at ${CONNECTIONS} connections; medians (req/s, p99, server CPU per request) into the emulator section of the --out file.`);
    return 0;
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10 || !Number.isInteger(seconds) || seconds < 1 || seconds > 30) {
    console.error('--rounds must be 1-10 and --seconds 1-30');
    return 2;
  }
  try {
    const results = await benchEmulator({ rounds, seconds, prism: !values['no-prism'], log: (line) => console.error(line) });
    writeSection(values.out!, 'emulator', {
      what: 'reference emulator (load mode; a second one limited to 1 request a day per key for the 429 path) vs a bare node:http server giving its answers (the floor), the same server minting an id and keeping the runs on the create path (the keeping floor), and prism mock of contracts/openapi.json; medians of interleaved runs; ofFloor = median of the per-round emulator ÷ floor req/s, ofFloorByCpu = floor ÷ emulator server CPU per request',
      date: new Date().toISOString(), connections: CONNECTIONS, secondsPerRun: seconds, rounds, tool: 'autocannon', goal,
      note: 'one shared machine: the load generator and the servers compete for the same cores, and other work on the machine adds noise',
      results,
    });
    console.log(markdownTable(results));
    const missed = results.filter((r) => r.ofFloor < goal.ofFloor || r.emulator.p99Ms > goal.p99Ms).map((r) => r.scenario);
    console.log(missed.length === 0 ? `every path within ${goal.ofFloor * 100}% of the floor, p99 ≤ ${goal.p99Ms} ms` : `below the goal (${goal.ofFloor * 100}% of the floor, p99 ≤ ${goal.p99Ms} ms): ${missed.join(', ')}`);
    console.log(`wrote the "emulator" section of ${values.out}`);
    return 0;
  } catch (error) {
    console.error(`bench:emulator: ${(error as Error).message}`);
    return 2;
  }
}

main().then((code) => process.exit(code));
