// `npm run report:merge -- --out DIR DIR1 DIR2 …`: merge the conformance.json of each shard's report
// directory into the four reports of the whole run in DIR. Exits like `npm test` would have for the
// whole run (0 conforms, 1 broken, 2 error), and 2 when the shards cannot be merged.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MergeError, mergeReports } from '../report/merge.ts';
import { writeReport } from '../report/write.ts';
import { summaryLine } from '../report/markdown.ts';
import { EXIT } from '../report/outcomes.ts';
import type { ConformanceReport } from '../report/model.ts';

const USAGE = 'usage: npm run report:merge -- --out DIR SHARD_DIR… (each SHARD_DIR holds a conformance.json of RUNBASE_SHARD=i/n)';

export function parseMergeArgs(argv: readonly string[]): { out: string; inputs: string[] } {
  let out: string | undefined;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg.startsWith('-')) throw new MergeError(`unknown option ${arg}\n${USAGE}`);
    else inputs.push(arg);
  }
  if (!out) throw new MergeError(`--out DIR is required\n${USAGE}`);
  if (inputs.length === 0) throw new MergeError(`no shard report directories given\n${USAGE}`);
  return { out, inputs };
}

export function readShardReport(input: string): ConformanceReport {
  const file = existsSync(input) && statSync(input).isDirectory() ? join(input, 'conformance.json') : input;
  if (!existsSync(file)) throw new MergeError(`${file}: no such report`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport;
  } catch (error) {
    throw new MergeError(`${file}: not a conformance report (${(error as Error).message})`);
  }
}

export function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${USAGE}\nMerges the conformance.json of every shard into the four reports of the whole run in DIR; exit 0, 1, 2 as for npm test (2 also for shards that cannot be merged).`);
    return 0;
  }
  try {
    const { out, inputs } = parseMergeArgs(argv);
    const report = mergeReports(inputs.map(readShardReport));
    const written = writeReport(report, out, env);
    console.log(summaryLine(report));
    console.log(`merged ${inputs.length} shards, ${report.requests} requests; reports: ${written.files.join(', ')}`);
    return report.exitCode;
  } catch (error) {
    if (error instanceof MergeError) {
      console.error(`report:merge refused: ${error.message}`);
      return EXIT.error;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exit(main());
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(EXIT.error);
  }
}
