// `npm test` / `runbase-conformance`: the conformance run (src/runner/main.ts). Exit 0 = conforms,
// 1 = contract broken, 2 = configuration or target error.
import { main } from '../runner/main.ts';
import { EXIT } from '../report/outcomes.ts';

main().then((code) => process.exit(code), (error) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(EXIT.error);
});
