// Write every format of one report, and the job summary when CI offers one.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConformanceReport } from './model.ts';
import { renderMarkdown } from './markdown.ts';
import { renderJunit } from './junit.ts';
import { renderHtml } from './html.ts';
import { redactText, type Secrets } from '../conformance/redact.ts';

export interface WrittenReport { dir: string; files: string[] }

/** Every file passes through the redaction of the configured keys, whatever a rule recorded. */
export function writeReport(report: ConformanceReport, dir: string, env: NodeJS.ProcessEnv = process.env, secrets: Secrets = new Map()): WrittenReport {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const markdown = renderMarkdown(report);
  const outputs: [string, string][] = [
    ['conformance.json', `${JSON.stringify(report, null, 2)}\n`],
    ['conformance.md', markdown],
    ['junit.xml', renderJunit(report)],
    ['conformance.html', renderHtml(report)],
  ];
  for (const [name, text] of outputs) writeFileSync(join(abs, name), redactText(text, secrets));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redactText(markdown, secrets));
  return { dir: abs, files: outputs.map(([name]) => join(abs, name)) };
}
