// `npm run contracts:build`: regenerate the derived contract files: the OpenAPI document and the pact.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractsDir } from '../contract/index.ts';
import { renderOpenApi, renderSpecmaticExamples, SPECMATIC_EXAMPLES_DIR } from '../contract/openapi.ts';
import { writeConsumerPact } from '../pact/consumer.ts';
import { PACT_FILE } from '../pact/interactions.ts';

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
// Pact merges into an existing file; start clean so removed interactions go away.
rmSync(join(pacts, PACT_FILE), { force: true });
await writeConsumerPact(pacts);
console.log(`wrote ${join(pacts, PACT_FILE)}`);
