// `npm run contracts:build`: regenerate the derived contract files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractsDir } from '../contract/index.ts';
import { renderOpenApi } from '../contract/openapi.ts';

const path = join(contractsDir, 'openapi.json');
writeFileSync(path, renderOpenApi());
console.log(`wrote ${path}`);
