// compare.json, compare.md (and the job summary), compare.html, and the console summary. Each leads
// with the distinct findings (what differs, how many requests, which families, one example as curl
// with both answers), the fidelity overall, per aspect and per family; then the detail: every request
// that differs and the behaviour fingerprint of both targets. Keys are the base side's variables in
// every curl; whole bodies are saved under the report directory.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Exchange } from '../contract/exchange.ts';
import { recordExchange, redactText, type Secrets } from '../verdicts/redact.ts';
import { describeAnswer } from '../oracles/error-answer.ts';
import { curlCommand, loadSettingsStep } from '../report/curl.ts';
import { saveCutBodies } from '../report/write.ts';
import { compareContract } from './aspects.ts';
import type { CompareResult, ItemResult } from './compare.ts';
import { describeFinding, type Finding } from './findings.ts';
import type { Suggestion } from './suggest.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const BODY_SHOWN = 600;

export interface CompareMeta {
  base: string; candidate: string;
  /** What the two targets are called in the report (from --base-name/--candidate-name or the settings files). */
  baseName: string; candidateName: string;
  /** The settings file the curl lines' variables come from (the base side's). */
  baseEnvFile: string;
  seed: number; exitCode: number; startedAt: string; finishedAt: string;
  /** Where --suggest wrote its choices file. */
  choicesFile?: string;
}

/** What a corpus item is, for people: method, path under the API root, the faults it combines. */
export function describeItem(i: Pick<ItemResult, 'id' | 'item'>): string {
  return `${i.id} ${i.item.method} ${i.item.path}${i.item.faults?.length ? ` (faults: ${i.item.faults.join(' + ')})` : ''}`;
}

/** One line per request judged: what each target answered. */
function fingerprint(result: CompareResult) {
  return result.items.filter((i) => !i.skipped && i.family !== 'success').map((i) => ({ id: i.id, family: i.family, request: describeItem(i), base: describeAnswer(i.base!), candidate: describeAnswer(i.candidate!), differs: i.differences.map((d) => d.aspect) }));
}

interface Shown { finding: Finding; summary: string; example: ItemResult; curl: string }

/** Each finding with its first request as the example: the base side's request as curl, whole bodies saved as files. */
function shownFindings(result: CompareResult, meta: CompareMeta, dir: string, secrets: Secrets): Shown[] {
  return result.findings.map((finding) => {
    const example = finding.items[0]!;
    const recorded = recordExchange(example.base!, secrets);
    saveCutBodies([recorded], dir, secrets);
    return { finding, summary: describeFinding(finding, meta.baseName, meta.candidateName), example, curl: curlCommand(recorded) };
  });
}

const findingsOf = (result: CompareResult, item: ItemResult) => result.findings.filter((f) => f.items.includes(item)).map((f) => f.id);
const bodyOf = (e: Exchange) => `${e.response.status} ${e.response.bodyText.slice(0, BODY_SHOWN)}${e.response.bodyText.length > BODY_SHOWN ? '…' : ''}`;
const informationalMark = (informational: boolean) => (informational ? ' (informational)' : '');

function json(result: CompareResult, meta: CompareMeta, shown: Shown[], secrets: Secrets, suggestion?: Suggestion) {
  const rec = (e?: Exchange) => (e ? recordExchange(e, secrets, { wholeBody: false }) : undefined);
  return {
    schemaVersion: 3, ...meta, fidelity: result.fidelity, threshold: result.threshold, byAspect: result.byAspect, byFamily: result.byFamily, skipped: result.skipped,
    noise: result.noise,
    findings: shown.map(({ finding: f, summary, example, curl }) => ({
      id: f.id, summary, aspects: f.aspects, informational: f.informational, parts: f.parts, requests: f.items.length, families: f.families, items: f.items.map((i) => i.id),
      example: { id: example.id, request: describeItem(example), curl, base: rec(example.base), candidate: rec(example.candidate) },
    })),
    ...(suggestion ? { suggestion } : {}),
    differences: result.items.filter((i) => i.differences.length).map((i) => ({ id: i.id, family: i.family, request: describeItem(i), ...(i.item.faults ? { faults: i.item.faults } : {}), differences: i.differences, findings: findingsOf(result, i) })),
    fingerprint: fingerprint(result),
  };
}

const title = (meta: CompareMeta) => `${meta.baseName} vs ${meta.candidateName}`;

/** The suggestion as lines (markdown list items and the console alike). */
export function suggestionLines(suggestion: Suggestion, result: CompareResult, meta: CompareMeta): string[] {
  const summary = (id: string) => describeFinding(result.findings.find((f) => f.id === id)!, meta.baseName, meta.candidateName);
  const lines: string[] = [];
  if (suggestion.flags.length) {
    lines.push(`Emulator settings that make it answer like ${meta.baseName} (checked by replaying the corpus on the emulator with them, ${suggestion.replays} replays):`);
    for (const [i, name] of Object.keys(suggestion.settings).entries()) {
      const explains = suggestion.explained.filter((e) => e.by.includes(name)).map((e) => e.finding);
      lines.push(`  ${suggestion.flags[i]}${explains.length ? `   explains ${explains.join(', ')}` : ''}`);
    }
    if (meta.choicesFile) lines.push(`  as a file: ${meta.choicesFile}`, `  restart the emulator with them: npm run emulator -- --choices '${meta.choicesFile}'`);
  } else lines.push(`No emulator setting brings the emulator closer to ${meta.baseName}.`);
  const atDefaults = suggestion.explained.filter((e) => e.by.length === 0);
  if (atDefaults.length) lines.push(`The emulator at its defaults already answers like ${meta.baseName} on: ${atDefaults.map((e) => e.finding).join(', ')}.`);
  if (suggestion.unexplained.length) {
    lines.push('No setting explains:');
    for (const id of suggestion.unexplained) lines.push(`  ${id} ${summary(id)}`);
  }
  return lines;
}

function markdown(result: CompareResult, meta: CompareMeta, shown: Shown[], suggestion?: Suggestion): string {
  const lines = [
    `# ${title(meta)}: differential report`, '',
    `**Fidelity ${pct(result.fidelity)}** (threshold ${pct(result.threshold)}; informational aspects not counted) — base ${meta.baseName} \`${meta.base}\`, candidate ${meta.candidateName} \`${meta.candidate}\`, seed ${meta.seed}, exit ${meta.exitCode}`, '',
    `## Findings: ${shown.length} distinct`, '',
  ];
  if (shown.length) {
    lines.push('| # | what differs | requests | families |', '|---|---|---|---|');
    for (const s of shown) lines.push(`| ${s.finding.id} | ${s.summary.replace(/\|/g, '\\|')}${informationalMark(s.finding.informational)} | ${s.finding.items.length} | ${s.finding.families.join(', ')} |`);
  } else lines.push('None: every judged request got the same answer from both targets.');
  lines.push('');
  if (suggestion) lines.push('## Suggested emulator settings', '', '```', ...suggestionLines(suggestion, result, meta), '```', '');
  lines.push('## Fidelity per aspect', '', '| aspect | fidelity | matching | what |', '|---|---|---|---|',
    ...Object.entries(result.byAspect).map(([a, s]) => `| ${a}${informationalMark(s.informational)} | ${pct(s.fidelity)} | ${s.matching}/${s.judged} | ${compareContract.aspects.find((x) => x.name === a)?.what ?? ''} |`), '',
    '## Fidelity per family', '', '| family | requests | matching | fidelity |', '|---|---|---|---|',
    ...Object.entries(result.byFamily).map(([f, s]) => `| ${f} | ${s.items} | ${s.matching} | ${pct(s.fidelity)} |`), '');
  if (result.noise.length) lines.push(`Noise: ${result.noise.length} request(s) answered differently by the base target on two runs; those aspects were not judged: ${result.noise.map((n) => `${n.id} (${n.aspects.join(', ')})`).join('; ')}.`, '');
  if (shown.length) {
    lines.push('## Findings in detail', '', `Each \`curl\` sends the example request to the base target (${meta.baseName}) with its keys: load its settings into the shell first, \`${loadSettingsStep(meta.baseEnvFile)}\`, from the directory the comparison ran in.`, '');
    for (const { finding: f, summary, example, curl } of shown) {
      const ids = f.items.map((i) => i.id);
      lines.push(`### ${f.id}: ${summary}${informationalMark(f.informational)}`, '', `${f.items.length} request(s), families ${f.families.join(', ')}: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? `, … (${ids.length - 12} more)` : ''}.`, '',
        `Example: ${describeItem(example)}`, '', '```sh', curl, '```', '',
        `${meta.baseName} answered:`, '', '```', bodyOf(example.base!), '```', '', `${meta.candidateName} answered:`, '', '```', bodyOf(example.candidate!), '```', '');
    }
  }
  const differing = result.items.filter((i) => i.differences.length);
  lines.push(`## Requests that differ (${differing.length})`, '');
  if (differing.length) lines.push('| request | findings |', '|---|---|', ...differing.map((i) => `| ${describeItem(i).replace(/\|/g, '\\|')} | ${findingsOf(result, i).join(', ')} |`), '');
  lines.push('## Fingerprint', '', `| request | ${meta.baseName} | ${meta.candidateName} | differs in |`, '|---|---|---|---|',
    ...fingerprint(result).map((f) => `| ${f.request.replace(/\|/g, '\\|')} | \`${f.base}\` | \`${f.candidate}\` | ${f.differs.join(', ') || '—'} |`), '');
  return `${lines.join('\n')}\n`;
}

function html(result: CompareResult, meta: CompareMeta, shown: Shown[], suggestion?: Suggestion): string {
  const rows = fingerprint(result).map((f) => `<tr class="${f.differs.length ? 'diff' : 'same'}"><td>${esc(f.request)}</td><td>${esc(f.base)}</td><td>${esc(f.candidate)}</td><td>${esc(f.differs.join(', '))}</td></tr>`);
  const list = shown.map((s) => `<tr class="${s.finding.informational ? 'info' : 'diff'}"><td>${s.finding.id}</td><td>${esc(s.summary + informationalMark(s.finding.informational))}</td><td>${s.finding.items.length}</td><td>${esc(s.finding.families.join(', '))}</td></tr>`);
  const details = shown.map(({ finding: f, summary, example, curl }) => `<details><summary>${f.id}: ${esc(summary)} — ${f.items.length} request(s); example ${esc(describeItem(example))}</summary><pre>${esc(curl)}</pre><div class="pair"><pre>${esc(`${meta.baseName} ${bodyOf(example.base!)}`)}</pre><pre>${esc(`${meta.candidateName} ${bodyOf(example.candidate!)}`)}</pre></div></details>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runbase compare: ${esc(title(meta))} — ${pct(result.fidelity)}</title><style>body{font:15px system-ui,sans-serif;max-width:1200px;margin:auto;padding:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;font-size:13px}tr.diff{background:#fde4e4}tr.info{background:#eef3fb}.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;word-break:break-all;font-size:12px}</style></head>
<body data-fidelity="${result.fidelity}"><h1>${esc(title(meta))}</h1><p id="score"><strong>Fidelity ${pct(result.fidelity)}</strong> (threshold ${pct(result.threshold)}; informational aspects not counted) · base ${esc(meta.baseName)} <code>${esc(meta.base)}</code> · candidate ${esc(meta.candidateName)} <code>${esc(meta.candidate)}</code></p>
<h2>Findings: ${shown.length} distinct</h2>${list.length ? `<table><tr><th>#</th><th>what differs</th><th>requests</th><th>families</th></tr>${list.join('')}</table>` : '<p>None.</p>'}
${suggestion ? `<h2>Suggested emulator settings</h2><pre>${esc(suggestionLines(suggestion, result, meta).join('\n'))}</pre>` : ''}
<h2>Fidelity per aspect</h2><table><tr><th>aspect</th><th>fidelity</th><th>matching</th></tr>${Object.entries(result.byAspect).map(([a, s]) => `<tr><td>${esc(a + informationalMark(s.informational))}</td><td>${pct(s.fidelity)}</td><td>${s.matching}/${s.judged}</td></tr>`).join('')}</table>
<h2>Fidelity per family</h2><table><tr><th>family</th><th>requests</th><th>fidelity</th></tr>${Object.entries(result.byFamily).map(([f, s]) => `<tr><td>${esc(f)}</td><td>${s.items}</td><td>${pct(s.fidelity)}</td></tr>`).join('')}</table>
<h2>Findings in detail</h2>${shown.length ? `<p>Each curl goes to the base target with its keys: <code>${esc(loadSettingsStep(meta.baseEnvFile))}</code> first, from the directory the comparison ran in.</p>` : ''}${details.join('') || '<p>None.</p>'}<h2>Fingerprint</h2><table><tr><th>request</th><th>${esc(meta.baseName)}</th><th>${esc(meta.candidateName)}</th><th>differs in</th></tr>${rows.join('')}</table></body></html>\n`;
}

/** The console's screenful: the score, the findings, per aspect and per family. */
export function consoleSummary(result: CompareResult, meta: CompareMeta, suggestion?: Suggestion): string[] {
  const differing = result.items.filter((i) => i.differences.length).length;
  const lines = [`${title(meta)}: fidelity ${pct(result.fidelity)} (threshold ${pct(result.threshold)}) — ${result.findings.length} distinct finding(s) over ${differing} request(s) that differ; ${result.skipped} skipped; ${result.noise.length} noisy`];
  const max = compareContract.findingsOnConsole;
  for (const f of result.findings.slice(0, max)) lines.push(`  ${f.id.padEnd(4)}${describeFinding(f, meta.baseName, meta.candidateName)}${informationalMark(f.informational)} — ${f.items.length} request(s) (${f.families.join(', ')}); e.g. ${describeItem(f.items[0]!)}`);
  if (result.findings.length > max) lines.push(`  … and ${result.findings.length - max} more finding(s) in the report`);
  lines.push(`  per aspect: ${Object.entries(result.byAspect).map(([a, s]) => `${a} ${pct(s.fidelity)}${s.informational ? ' (informational)' : ''}`).join(' · ')}`);
  lines.push(`  per family: ${Object.entries(result.byFamily).map(([f, s]) => `${f} ${pct(s.fidelity)} (${s.matching}/${s.items})`).join(' · ')}`);
  if (suggestion) lines.push(...suggestionLines(suggestion, result, meta));
  return lines;
}

export function writeCompareReport(result: CompareResult, meta: CompareMeta, dir: string, secrets: Secrets, opts: { suggestion?: Suggestion; env?: NodeJS.ProcessEnv } = {}): string[] {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const shown = shownFindings(result, meta, dir, secrets);
  const md = redactText(markdown(result, meta, shown, opts.suggestion), secrets);
  const files: [string, string][] = [['compare.json', `${JSON.stringify(json(result, meta, shown, secrets, opts.suggestion), null, 2)}\n`], ['compare.md', md], ['compare.html', html(result, meta, shown, opts.suggestion)]];
  for (const [name, text] of files) writeFileSync(join(abs, name), redactText(text, secrets));
  const summary = (opts.env ?? process.env).GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, md);
  return files.map(([name]) => join(abs, name));
}
