// `npm run emulator`: the reference emulator, standalone. Prints the fixture variables as .env
// lines on stdout before it serves; the rest goes to stderr. Ctrl-C stops it cleanly.
import { parseArgs } from 'node:util';
import { startEmulator, provisionFixtures } from '../emulator/index.ts';
import { readFileSync } from 'node:fs';
import { changedChoices, choiceCatalogue, choices, choicesFromJson, parseChoiceArgs, resolveChoices } from '../contract/emulator-choices.ts';
import { describeRateLimit, documentedRateLimit, parseRateLimit } from '../emulator/rate-limit.ts';
import { emulatorAdminToken } from '../settings/index.ts';

const HELP = `Usage: runbase-emulator [--port 4010] [--host 127.0.0.1] [--admin-port PORT+1] [--admin-token TOKEN] [--pool-size ${choices.fixtures.poolSize}]
                        [--clock real|virtual] [--rate-limit off|N/Ms] [--choice NAME=VALUE]… [--choices FILE]
                        [--precedence STEP,STEP,…] [--unknown-route-status N]
(in a clone: npm run emulator -- …)

Starts the Runbase reference emulator (real clock unless --clock virtual: then time moves only
through the admin API, and the suite run with RUNBASE_CLOCK=virtual advances it), provisions one key per fixture and a pool of
healthy keys, prints them as .env lines, and serves until Ctrl-C. --port 0 picks a free port.
The admin token may also come from RUNBASE_EMULATOR_ADMIN_TOKEN.
--choice NAME=VALUE (repeatable) models another target's answer to a point the docs leave open;
--choices FILE reads them from a JSON object {"NAME": VALUE} (or contracts/emulator.json's form).
--precedence STEP,… and --unknown-route-status N are --choice precedence=… and unknownRouteStatus=….
The choices (contracts/emulator.json "choices"; docs/emulator.md), default first:
${choiceCatalogue().map((c) => `  ${c.name}: ${Array.isArray(c.default) ? `STEP,STEP,… (any order of the steps; ${c.values.length} listed there)` : c.values.map(String).join(' | ')}`).join('\n')}
--rate-limit is load mode, for tool and load runs only: 'off' lifts the per-key limit, N/Ms sets
N requests per M ms per key (e.g. 100/1000). The default is the documented limit (contracts/limits.json);
a conformance run against an emulator in load mode fails its rate-limit rules, as it should.`;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`--${name} must be a port number (0-65535), got '${value}'`);
  return n;
}

/** Loud, so nobody mistakes a load-mode emulator for the documented one. */
function loadModeBanner(limit: Parameters<typeof describeRateLimit>[0]): string {
  const bar = '!'.repeat(78);
  return [bar, `!! LOAD MODE: rate limit ${describeRateLimit(limit)}`, `!! (documented: ${describeRateLimit(documentedRateLimit)}). For tool and load runs only:`, '!! the suite\'s rate-limit rules fail against this emulator.', bar].join('\n');
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, 'admin-port': { type: 'string' }, 'admin-token': { type: 'string' }, 'pool-size': { type: 'string' }, clock: { type: 'string' }, 'rate-limit': { type: 'string' }, precedence: { type: 'string' }, 'unknown-route-status': { type: 'string' }, choice: { type: 'string', multiple: true }, choices: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  let settings;
  try {
    const publicPort = port('port', args.port, 4010);
    const poolSize = args['pool-size'] === undefined ? choices.fixtures.poolSize : Number(args['pool-size']);
    if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 256) throw new Error(`--pool-size must be a whole number from 2 to 256, got '${args['pool-size']}'`);
    const clock = args.clock ?? 'real';
    if (clock !== 'real' && clock !== 'virtual') throw new Error(`--clock must be 'real' or 'virtual', got '${clock}'`);
    const unknownRoute = args['unknown-route-status'];
    if (unknownRoute !== undefined && !/^[1-5]\d\d$/.test(unknownRoute)) throw new Error(`--unknown-route-status must be an HTTP status, got '${unknownRoute}'`);
    const rateLimit = args['rate-limit'] === undefined ? undefined : parseRateLimit(args['rate-limit']);
    let fromFile: Record<string, unknown> = {};
    if (args.choices !== undefined) {
      try { fromFile = choicesFromJson(JSON.parse(readFileSync(args.choices, 'utf8'))); } catch (error) { throw new Error(`--choices ${args.choices}: ${(error as Error).message}`); }
    }
    // A file, then each --choice, then the two older flags: the last word wins.
    const chosen = resolveChoices({
      ...fromFile,
      ...parseChoiceArgs(args.choice ?? []),
      ...(args.precedence ? { precedence: args.precedence.split(',').map((s) => s.trim()) } : {}),
      ...(unknownRoute ? { unknownRouteStatus: Number(unknownRoute) } : {}),
    });
    settings = {
      ...(rateLimit ? { rateLimit } : {}),
      choices: changedChoices(chosen),
      clock: clock as 'real' | 'virtual',
      host: args.host ?? '127.0.0.1',
      port: publicPort,
      adminPort: port('admin-port', args['admin-port'], publicPort === 0 ? 0 : publicPort + 1),
      poolSize,
      adminToken: args['admin-token'] ?? emulatorAdminToken(),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  let emulator;
  try {
    emulator = await startEmulator({ ...(settings.rateLimit ? { rateLimit: settings.rateLimit } : {}), choices: settings.choices, host: settings.host, port: settings.port, adminPort: settings.adminPort, clock: settings.clock, ...(settings.adminToken ? { adminToken: settings.adminToken } : {}) });
  } catch (error) {
    console.error(`could not start the emulator: ${(error as Error).message}`);
    return 2;
  }
  const env = provisionFixtures(emulator.state, { poolSize: settings.poolSize, url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
  const lines = ['# Runbase reference emulator: fixture variables for the suite (paste into .env)', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  if (settings.clock === 'virtual') lines.push('RUNBASE_CLOCK=virtual');
  process.stdout.write(`${lines.join('\n')}\n`);
  // Listen for Ctrl-C before announcing: whoever waits for the announcement may signal at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (settings.rateLimit) console.error(loadModeBanner(settings.rateLimit));
  const changed = Object.entries(settings.choices);
  if (changed.length) console.error(`open choices other than the reference emulator's: ${changed.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ')}`);
  console.error(`Runbase emulator serving ${emulator.url}/api/v1 (admin API on ${emulator.adminUrl}); Ctrl-C to stop`);
  await stopped;
  await emulator.close();
  console.error('Runbase emulator stopped');
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
});
