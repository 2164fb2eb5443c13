// compare.json, compare.md (and the job summary), compare.html: the fidelity score, each difference
// with its request as curl (keys redacted) and both answers, and the behaviour fingerprint of both.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Exchange } from '../http/types.ts';
import { recordExchange, redactText, type Secrets } from '../conformance/redact.ts';
import { describeAnswer } from '../oracles/error-answer.ts';
import { curlCommand } from '../report/curl.ts';
import type { CompareResult } from './compare.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface CompareMeta { base: string; candidate: string; seed: number; exitCode: number; startedAt: string; finishedAt: string }

function json(result: CompareResult, meta: CompareMeta, secrets: Secrets) {
  const rec = (e?: Exchange) => (e ? recordExchange(e, secrets) : undefined);
  return {
    schemaVersion: 1, ...meta, fidelity: result.fidelity, threshold: result.threshold, byFamily: result.byFamily, skipped: result.skipped,
    noise: result.noise,
    differences: result.items.filter((i) => i.differences.length).map((i) => ({ id: i.id, family: i.family, differences: i.differences, base: rec(i.base), candidate: rec(i.candidate), curl: i.base ? curlCommand(recordExchange(i.base, secrets)) : undefined })),
    fingerprint: result.items.filter((i) => !i.skipped && i.family !== 'success').map((i) => ({ id: i.id, family: i.family, base: describeAnswer(i.base!), candidate: describeAnswer(i.candidate!) })),
  };
}

function markdown(result: CompareResult, meta: CompareMeta, secrets: Secrets): string {
  const lines = [
    '# Emulator vs production: differential report', '',
    `**Fidelity ${pct(result.fidelity)}** (threshold ${pct(result.threshold)}) — base \`${meta.base}\`, candidate \`${meta.candidate}\`, seed ${meta.seed}, exit ${meta.exitCode}`, '',
    '| family | requests | matching | fidelity |', '|---|---|---|---|',
    ...Object.entries(result.byFamily).map(([f, s]) => `| ${f} | ${s.items} | ${s.matching} | ${pct(s.fidelity)} |`), '',
  ];
  if (result.noise.length) lines.push(`Noise: ${result.noise.length} request(s) answered differently by the base target on two runs; those aspects were not judged: ${result.noise.map((n) => `${n.id} (${n.aspects.join(', ')})`).join('; ')}.`, '');
  const diffs = result.items.filter((i) => i.differences.length);
  lines.push(`## Differences (${diffs.length})`, '');
  for (const i of diffs) {
    lines.push(`### ${i.id} (${i.family})`, '', '| aspect | base | candidate |', '|---|---|---|', ...i.differences.map((d) => `| ${d.aspect} | \`${d.base}\` | \`${d.candidate}\` |`), '');
    lines.push('```sh', curlCommand(recordExchange(i.base!, secrets)), '```', `Base: \`${describeAnswer(i.base!)}\` · candidate: \`${describeAnswer(i.candidate!)}\``, '');
  }
  return `${lines.join('\n')}\n`;
}

function html(result: CompareResult, meta: CompareMeta, secrets: Secrets): string {
  const rows = result.items.filter((i) => !i.skipped).map((i) => `<tr class="${i.differences.length ? 'diff' : 'same'}"><td>${esc(i.id)}</td><td>${esc(describeAnswer(i.base!))}</td><td>${esc(describeAnswer(i.candidate!))}</td><td>${esc(i.differences.map((d) => d.aspect).join(', '))}</td></tr>`);
  const details = result.items.filter((i) => i.differences.length).map((i) => `<details open><summary>${esc(i.id)} — ${esc(i.differences.map((d) => `${d.aspect}: ${d.base} → ${d.candidate}`).join('; '))}</summary><pre>${esc(curlCommand(recordExchange(i.base!, secrets)))}</pre><div class="pair"><pre>${esc(`base ${i.base!.response.status}\n${i.base!.response.bodyText.slice(0, 800)}`)}</pre><pre>${esc(`candidate ${i.candidate!.response.status}\n${i.candidate!.response.bodyText.slice(0, 800)}`)}</pre></div></details>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runbase compare — ${pct(result.fidelity)}</title><style>body{font:15px system-ui,sans-serif;max-width:1200px;margin:auto;padding:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;font-size:13px}tr.diff{background:#fde4e4}.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;word-break:break-all;font-size:12px}</style></head>
<body data-fidelity="${result.fidelity}"><h1>Emulator vs production</h1><p id="score"><strong>Fidelity ${pct(result.fidelity)}</strong> (threshold ${pct(result.threshold)}) · base <code>${esc(meta.base)}</code> · candidate <code>${esc(meta.candidate)}</code></p>
<table><tr><th>family</th><th>requests</th><th>fidelity</th></tr>${Object.entries(result.byFamily).map(([f, s]) => `<tr><td>${esc(f)}</td><td>${s.items}</td><td>${pct(s.fidelity)}</td></tr>`).join('')}</table>
<h2>Differences</h2>${details.join('') || '<p>None.</p>'}<h2>Fingerprint</h2><table><tr><th>request</th><th>base</th><th>candidate</th><th>differs in</th></tr>${rows.join('')}</table></body></html>\n`;
}

export function writeCompareReport(result: CompareResult, meta: CompareMeta, dir: string, secrets: Secrets, env: NodeJS.ProcessEnv = process.env): string[] {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const md = redactText(markdown(result, meta, secrets), secrets);
  const files: [string, string][] = [['compare.json', `${JSON.stringify(json(result, meta, secrets), null, 2)}\n`], ['compare.md', md], ['compare.html', html(result, meta, secrets)]];
  for (const [name, text] of files) writeFileSync(join(abs, name), redactText(text, secrets));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, md);
  return files.map(([name]) => join(abs, name));
}
