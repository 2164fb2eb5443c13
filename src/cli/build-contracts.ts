// `npm run contracts:build`: regenerate the derived contract files: the OpenAPI document and the pact.
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractsDir } from '../contract/index.ts';
import { renderOpenApi, renderSpecmaticExamples, SPECMATIC_EXAMPLES_DIR } from '../contract/openapi.ts';
import { writeConsumerPact } from '../pact/consumer.ts';
import { PACT_FILE } from '../pact/interactions.ts';

const HELP = `Usage: npm run contracts:build

Regenerates the files derived from contracts/*.json: contracts/openapi.json, the Specmatic examples
beside it (contracts/${SPECMATIC_EXAMPLES_DIR}/) and the consumer pact (contracts/pacts/${PACT_FILE}).
npm run test:self fails when a committed copy differs from what this writes. Takes no options.`;

const args = process.argv.slice(2);
if (args.length > 0) {
  const help = args.includes('--help') || args.includes('-h');
  (help ? console.log : console.error)(help ? HELP : `unknown argument ${args[0]}\n\n${HELP}`);
  process.exit(help ? 0 : 2);
}

process.env.PACT_DO_NOT_TRACK = 'true';
const openapi = join(contractsDir, 'openapi.json');
writeFileSync(openapi, renderOpenApi());
console.log(`wrote ${openapi}`);

// Specmatic reads the folder beside the document; start clean so removed examples go away.
const examples = join(contractsDir, SPECMATIC_EXAMPLES_DIR);
rmSync(examples, { recursive: true, force: true });
mkdirSync(examples);
for (const [name, text] of Object.entries(renderSpecmaticExamples())) writeFileSync(join(examples, name), text);
console.log(`wrote ${examples}/`);

const pacts = join(contractsDir, 'pacts');
mkdirSync(pacts, { recursive: true });
// Pact merges into an existing file: write into an empty folder (so removed interactions go away),
// then move the whole file in, so an interrupted build never leaves half a pact behind.
const fresh = mkdtempSync(join(tmpdir(), 'runbase-pact-'));
await writeConsumerPact(fresh);
// (Copied beside the target first: a rename across file systems would fail.)
copyFileSync(join(fresh, PACT_FILE), join(pacts, `${PACT_FILE}.partial`));
renameSync(join(pacts, `${PACT_FILE}.partial`), join(pacts, PACT_FILE));
rmSync(fresh, { recursive: true, force: true });
console.log(`wrote ${join(pacts, PACT_FILE)}`);
