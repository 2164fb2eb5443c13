// compare.json, compare.md (and the job summary), compare.html: the fidelity score, each difference
// with its request (method, path, the faults it combines) as curl (keys as the base side's variables,
// whole bodies saved under the report directory) and both answers, and the behaviour fingerprint of
// both targets, in every format.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Exchange } from '../contract/exchange.ts';
import { recordExchange, redactText, type Secrets } from '../conformance/redact.ts';
import { describeAnswer } from '../oracles/error-answer.ts';
import { curlCommand, loadSettingsStep } from '../report/curl.ts';
import { saveCutBodies } from '../report/write.ts';
import type { CompareResult, ItemResult } from './compare.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface CompareMeta {
  base: string; candidate: string;
  /** What the two targets are called in the report (from --base-name/--candidate-name or the settings files). */
  baseName: string; candidateName: string;
  /** The settings file the curl lines' variables come from (the base side's). */
  baseEnvFile: string;
  seed: number; exitCode: number; startedAt: string; finishedAt: string;
}

/** What a corpus item is, for people: method, path under the API root, the faults it combines. */
export function describeItem(i: Pick<ItemResult, 'id' | 'item'>): string {
  return `${i.id} ${i.item.method} ${i.item.path}${i.item.faults?.length ? ` (faults: ${i.item.faults.join(' + ')})` : ''}`;
}

/** One line per request judged: what each target answered. */
function fingerprint(result: CompareResult) {
  return result.items.filter((i) => !i.skipped && i.family !== 'success').map((i) => ({ id: i.id, family: i.family, request: describeItem(i), base: describeAnswer(i.base!), candidate: describeAnswer(i.candidate!), differs: i.differences.map((d) => d.aspect) }));
}

interface Shown { item: ItemResult; curl: string }

/** Each difference with its reproduction: the base side's request, whole bodies saved as files. */
function shownDifferences(result: CompareResult, dir: string, secrets: Secrets): Shown[] {
  return result.items.filter((i) => i.differences.length).map((item) => {
    const recorded = recordExchange(item.base!, secrets);
    saveCutBodies([recorded], dir, secrets);
    return { item, curl: curlCommand(recorded) };
  });
}

function json(result: CompareResult, meta: CompareMeta, shown: Shown[], secrets: Secrets) {
  const rec = (e?: Exchange) => (e ? recordExchange(e, secrets, { wholeBody: false }) : undefined);
  return {
    schemaVersion: 2, ...meta, fidelity: result.fidelity, threshold: result.threshold, byFamily: result.byFamily, skipped: result.skipped,
    noise: result.noise,
    differences: shown.map(({ item: i, curl }) => ({ id: i.id, family: i.family, request: describeItem(i), ...(i.item.faults ? { faults: i.item.faults } : {}), differences: i.differences, base: rec(i.base), candidate: rec(i.candidate), curl })),
    fingerprint: fingerprint(result),
  };
}

const title = (meta: CompareMeta) => `${meta.baseName} vs ${meta.candidateName}`;

function markdown(result: CompareResult, meta: CompareMeta, shown: Shown[]): string {
  const lines = [
    `# ${title(meta)}: differential report`, '',
    `**Fidelity ${pct(result.fidelity)}** (threshold ${pct(result.threshold)}) — base ${meta.baseName} \`${meta.base}\`, candidate ${meta.candidateName} \`${meta.candidate}\`, seed ${meta.seed}, exit ${meta.exitCode}`, '',
    '| family | requests | matching | fidelity |', '|---|---|---|---|',
    ...Object.entries(result.byFamily).map(([f, s]) => `| ${f} | ${s.items} | ${s.matching} | ${pct(s.fidelity)} |`), '',
  ];
  if (result.noise.length) lines.push(`Noise: ${result.noise.length} request(s) answered differently by the base target on two runs; those aspects were not judged: ${result.noise.map((n) => `${n.id} (${n.aspects.join(', ')})`).join('; ')}.`, '');
  lines.push(`## Differences (${shown.length})`, '');
  if (shown.length) lines.push(`Each \`curl\` sends the request to the base target (${meta.baseName}) with its keys: load its settings into the shell first, \`${loadSettingsStep(meta.baseEnvFile)}\`, from the directory the comparison ran in.`, '');
  for (const { item: i, curl } of shown) {
    lines.push(`### ${describeItem(i)}`, '', `Family ${i.family}.`, '', `| aspect | ${meta.baseName} | ${meta.candidateName} |`, '|---|---|---|', ...i.differences.map((d) => `| ${d.aspect} | \`${d.base}\` | \`${d.candidate}\` |`), '');
    lines.push('```sh', curl, '```', `${meta.baseName}: \`${describeAnswer(i.base!)}\` · ${meta.candidateName}: \`${describeAnswer(i.candidate!)}\``, '');
  }
  lines.push('## Fingerprint', '', `| request | ${meta.baseName} | ${meta.candidateName} | differs in |`, '|---|---|---|---|',
    ...fingerprint(result).map((f) => `| ${f.request.replace(/\|/g, '\\|')} | \`${f.base}\` | \`${f.candidate}\` | ${f.differs.join(', ') || '—'} |`), '');
  return `${lines.join('\n')}\n`;
}

function html(result: CompareResult, meta: CompareMeta, shown: Shown[]): string {
  const rows = fingerprint(result).map((f) => `<tr class="${f.differs.length ? 'diff' : 'same'}"><td>${esc(f.request)}</td><td>${esc(f.base)}</td><td>${esc(f.candidate)}</td><td>${esc(f.differs.join(', '))}</td></tr>`);
  const details = shown.map(({ item: i, curl }) => `<details open><summary>${esc(describeItem(i))} — ${esc(i.differences.map((d) => `${d.aspect}: ${d.base} → ${d.candidate}`).join('; '))}</summary><pre>${esc(curl)}</pre><div class="pair"><pre>${esc(`${meta.baseName} ${i.base!.response.status}\n${i.base!.response.bodyText.slice(0, 800)}`)}</pre><pre>${esc(`${meta.candidateName} ${i.candidate!.response.status}\n${i.candidate!.response.bodyText.slice(0, 800)}`)}</pre></div></details>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runbase compare: ${esc(title(meta))} — ${pct(result.fidelity)}</title><style>body{font:15px system-ui,sans-serif;max-width:1200px;margin:auto;padding:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;font-size:13px}tr.diff{background:#fde4e4}.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;word-break:break-all;font-size:12px}</style></head>
<body data-fidelity="${result.fidelity}"><h1>${esc(title(meta))}</h1><p id="score"><strong>Fidelity ${pct(result.fidelity)}</strong> (threshold ${pct(result.threshold)}) · base ${esc(meta.baseName)} <code>${esc(meta.base)}</code> · candidate ${esc(meta.candidateName)} <code>${esc(meta.candidate)}</code></p>
<table><tr><th>family</th><th>requests</th><th>fidelity</th></tr>${Object.entries(result.byFamily).map(([f, s]) => `<tr><td>${esc(f)}</td><td>${s.items}</td><td>${pct(s.fidelity)}</td></tr>`).join('')}</table>
<h2>Differences</h2>${shown.length ? `<p>Each curl goes to the base target with its keys: <code>${esc(loadSettingsStep(meta.baseEnvFile))}</code> first, from the directory the comparison ran in.</p>` : ''}${details.join('') || '<p>None.</p>'}<h2>Fingerprint</h2><table><tr><th>request</th><th>${esc(meta.baseName)}</th><th>${esc(meta.candidateName)}</th><th>differs in</th></tr>${rows.join('')}</table></body></html>\n`;
}

export function writeCompareReport(result: CompareResult, meta: CompareMeta, dir: string, secrets: Secrets, env: NodeJS.ProcessEnv = process.env): string[] {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const shown = shownDifferences(result, dir, secrets);
  const md = redactText(markdown(result, meta, shown), secrets);
  const files: [string, string][] = [['compare.json', `${JSON.stringify(json(result, meta, shown, secrets), null, 2)}\n`], ['compare.md', md], ['compare.html', html(result, meta, shown)]];
  for (const [name, text] of files) writeFileSync(join(abs, name), redactText(text, secrets));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, md);
  return files.map(([name]) => join(abs, name));
}
