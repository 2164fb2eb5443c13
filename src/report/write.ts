// Write every format of one report, and the job summary when CI offers one.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConformanceReport } from './model.ts';
import { renderMarkdown } from './markdown.ts';
import { renderJunit } from './junit.ts';
import { renderHtml } from './html.ts';
import { redactText, type Secrets } from '../verdicts/redact.ts';
import type { RecordedExchange } from '../verdicts/result.ts';
import { placeholdersIn } from './curl.ts';

/** Where whole request bodies that the report cut are saved, under the report directory. */
export const BODIES_DIR = 'bodies';

/**
 * Each request body the report cut is saved whole (redacted) as `<dir>/bodies/<sha256>.body`, named
 * by its content so reruns agree, and its exchange points to it (`bodyFile`, the path as the run was
 * given it, so the curl line works from the directory `npm test` ran in).
 */
export function saveCutBodies(exchanges: (RecordedExchange | undefined)[], dir: string, secrets: Secrets): string[] {
  const files = new Set<string>();
  for (const exchange of exchanges) {
    const request = exchange?.request;
    if (request?.fullBody === undefined) continue;
    const bytes = request.bodyEncoding === 'base64' ? Buffer.from(request.fullBody, 'base64') : Buffer.from(redactText(request.fullBody, secrets), 'utf8');
    const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.body`;
    mkdirSync(join(resolve(dir), BODIES_DIR), { recursive: true });
    writeFileSync(join(resolve(dir), BODIES_DIR, name), bytes);
    request.bodyFile = join(dir, BODIES_DIR, name);
    const vars = request.bodyEncoding === 'base64' ? [] : placeholdersIn(bytes.toString('utf8'));
    if (vars.length) request.bodyFileVars = vars;
    delete request.fullBody;
    files.add(join(resolve(dir), BODIES_DIR, name));
  }
  return [...files];
}

/** The files a run writes into its report directory. */
export const REPORT_FILES = ['conformance.json', 'conformance.md', 'junit.xml', 'conformance.html'] as const;

/** At a run's start: an earlier run's reports never stand beside (or for) this one's. */
export function clearReports(dir: string): void {
  for (const name of [...REPORT_FILES, BODIES_DIR]) rmSync(join(resolve(dir), name), { recursive: true, force: true });
}

export interface WrittenReport { dir: string; files: string[]; /** whole request bodies the report cut */ bodies: string[] }

/**
 * Every file passes through the redaction of the configured keys, whatever a rule recorded.
 * `settingsFile`: the settings file the run read, for the step before the curl lines (undefined: a
 * merged report, whose shards each read their own).
 */
export function writeReport(report: ConformanceReport, dir: string, env: NodeJS.ProcessEnv = process.env, secrets: Secrets = new Map(), settingsFile?: string): WrittenReport {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  // Failures carry a reproduction, so their whole bodies are kept; an observation's is not.
  for (const o of report.rules.flatMap((r) => r.observations)) delete o.exchange?.request.fullBody;
  const bodies = saveCutBodies(report.rules.flatMap((r) => r.failures.map((f) => f.exchange)), dir, secrets);
  const markdown = renderMarkdown(report, settingsFile);
  const outputs: [string, string][] = [
    ['conformance.json', `${JSON.stringify(report, null, 2)}\n`],
    ['conformance.md', markdown],
    ['junit.xml', renderJunit(report)],
    ['conformance.html', renderHtml(report, settingsFile)],
  ];
  for (const [name, text] of outputs) writeFileSync(join(abs, name), redactText(text, secrets));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redactText(markdown, secrets));
  return { dir: abs, files: outputs.map(([name]) => join(abs, name)), bodies };
}
