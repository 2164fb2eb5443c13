// conformance.html: one self-contained page (no network): the verdict and its cause, the failures
// first (each expandable with its exchange and a copyable curl), then the verdict matrices by family
// and by documented error with a legend of their chips, then every other rule.
import { contract } from '../contract/index.ts';
import type { RuleResult, Verdict } from '../verdicts/result.ts';
import type { ConformanceReport } from './model.ts';
import { formatDuration, summaryLine } from './markdown.ts';
import { htmlText } from '../verdicts/escape.ts';
import { curlCommand, reproductionNote } from './curl.ts';
import { identityLines } from '../verdicts/fingerprint.ts';
import { allKnown } from './baseline.ts';

const esc = htmlText;

const LABEL: Record<Verdict, string> = { passed: 'pass', failed: 'fail', warned: 'warn', skipped: 'skip', observed: 'observed' };

function chip(rule: RuleResult): string {
  const title = `${rule.id}: ${rule.title} — ${rule.verdict}${rule.skipReason ? ` (${rule.skipReason})` : ''}${rule.partial ? ` in part (${rule.partial})` : ''}`;
  return `<a class="chip ${rule.verdict}${rule.partial ? ' partial' : ''}" href="#${esc(rule.id)}" title="${esc(title)}">${esc(rule.id)}</a>`;
}

/** What each chip colour means (the matrices are nothing but chips). */
const LEGEND = `<p class="legend">Chips: <span class="chip passed">passed</span> <span class="chip passed partial">passed in part</span> <span class="chip failed">failed (gate: fails the run)</span> <span class="chip warned">warned (fails only with RUNBASE_STRICT=1)</span> <span class="chip skipped">skipped, with the reason</span> <span class="chip observed">observed: undocumented behaviour, recorded, never judged</span> — hover a chip for its verdict, click it for its details.</p>`;

function familyMatrix(report: ConformanceReport): string {
  const rows = contract.rules.families.map((family) => {
    const rules = report.rules.filter((r) => r.family === family);
    return `<tr><th>${esc(family)}</th><td>${rules.map(chip).join(' ')}</td></tr>`;
  });
  return `<table class="matrix"><caption>Rules by family</caption>${rows.join('')}</table>`;
}

/** Each documented error and the rules whose oracle expects it. */
function errorMatrix(report: ConformanceReport): string {
  const rows = contract.errors.errors.map((e) => {
    const rules = report.rules.filter((r) => new RegExp(`\\b${e.code}\\b`).test(r.oracle));
    const worst = (['failed', 'warned', 'skipped', 'passed', 'observed'] as Verdict[]).find((v) => rules.some((r) => r.verdict === v)) ?? 'skipped';
    return `<tr><th><span class="dot ${rules.length ? worst : 'skipped'}"></span>${e.status} <code>${esc(e.code)}</code></th><td>${rules.map(chip).join(' ') || '<em>no rule</em>'}</td></tr>`;
  });
  return `<table class="matrix"><caption>Documented errors</caption>${rows.join('')}</table>`;
}

function exchangeBlock(f: RuleResult['failures'][number]): string {
  if (!f.exchange) return '';
  const { request: q, response: s } = f.exchange;
  const curl = curlCommand(f.exchange);
  return `<div class="exchange">
<h4>Request</h4><pre>${esc(`${q.method} ${q.url}\n${Object.entries(q.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}${q.body !== undefined ? `\n\n${q.bodyEncoding === 'base64' ? '[base64] ' : ''}${q.body}` : ''}`)}</pre>
<h4>Response</h4><pre>${esc(`${s.status}\n${Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${s.body}`)}</pre>
<h4>Reproduce <button type="button" class="copy">copy</button></h4><pre class="curl">${esc(curl)}</pre></div>`;
}

function ruleSection(rule: RuleResult, seed = 0): string {
  const open = rule.verdict === 'failed' ? ' open' : '';
  const failures = rule.failures.map((f) => `<div class="failure"><p><strong>${esc(f.check)}</strong>: ${esc(f.message)}</p>
<p>expected <code>${esc(f.expected)}</code>, actual <code>${esc(f.actual)}</code>${f.seenIn ? ` · seen in ${esc(f.seenIn)}` : ''}</p>
<ul class="identity">${identityLines(f, seed).map((l) => { const [name, ...rest] = l.split(': '); return `<li>${esc(name!)}: <code>${esc(rest.join(': '))}</code></li>`; }).join('')}</ul>
${f.counterexample ? `<p>minimal case${f.shrinks ? ` (after ${f.shrinks} shrinks)` : ''}: <code>${esc(f.counterexample.slice(0, 1000))}</code></p>` : ''}${exchangeBlock(f)}</div>`).join('');
  const observations = rule.observations.length ? `<ul>${rule.observations.slice(0, 40).map((o) => `<li>${esc(o.label)}: <code>${esc(JSON.stringify(o.value))}</code></li>`).join('')}</ul>` : '';
  const notes = rule.notes.length ? `<ul class="notes">${rule.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<details id="${esc(rule.id)}" class="rule ${rule.verdict}"${open}><summary><span class="badge ${rule.verdict}">${LABEL[rule.verdict]}</span> <strong>${esc(rule.id)}</strong> ${esc(rule.title)}${rule.partial ? ` <em class="partial-note">— in part: ${esc(rule.partial)}</em>` : ''} <small>${rule.level} · ${rule.cases} cases · ${rule.requests} requests${rule.durationMs !== undefined ? ` · ${esc(formatDuration(rule.durationMs))}` : ''}</small></summary>
<p>Oracle: ${esc(rule.oracle)} · <a href="${esc(rule.doc)}">docs</a>${rule.skipReason ? ` · skipped: ${esc(rule.skipReason)}` : ''}${rule.targetError ? ` · target error: ${esc(rule.targetError)}` : ''}</p>${failures}${observations}${notes}</details>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 1.5rem;color:#1d1d1f}
h1{font-size:1.5rem;margin:.2rem 0}.summary{font-size:1.1rem;padding:.6rem .9rem;border-radius:8px;margin:.6rem 0}
.summary.conforms{background:#e3f6e8}.summary.broken{background:#fde4e4}.summary.error{background:#fff0d6}
.meta{color:#555;font-size:.9rem}table.matrix{border-collapse:collapse;width:100%;margin:1rem 0}
.matrix caption{text-align:left;font-weight:600;padding:.3rem 0}.matrix th{text-align:left;white-space:nowrap;padding:.25rem .6rem .25rem 0;vertical-align:top;font-weight:500}
.matrix td{padding:.2rem 0}.chip{display:inline-block;margin:.1rem;padding:.1rem .45rem;border-radius:4px;font:12px ui-monospace,monospace;text-decoration:none;color:#111}
.passed{background:#bfe8c9}.chip.partial{background:repeating-linear-gradient(135deg,#bfe8c9 0 6px,#e8f6ec 6px 12px)}.legend{font-size:.85rem;color:#444}.failed{background:#f7b0b0}.warned{background:#ffe08a}.skipped{background:#dcdcdc}.observed{background:#cfe0ff}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.4rem}
details.rule{border:1px solid #ddd;border-radius:6px;margin:.35rem 0;padding:.3rem .6rem;background:#fff}
details.rule summary{cursor:pointer}.badge{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;font-size:.8rem;padding:0 .3rem}
small{color:#666}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.failure{border-left:3px solid #d33;padding-left:.6rem;margin:.5rem 0}h2{margin-top:1.4rem}h4{margin:.5rem 0 .2rem}
button.copy{font-size:.75rem}`;

const SCRIPT = `document.querySelectorAll('button.copy').forEach(function (b) {
  b.addEventListener('click', function () {
    var text = b.parentElement.nextElementSibling.textContent;
    var done = function () { b.textContent = 'copied'; };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () { b.textContent = 'select and copy'; });
    else { var r = document.createRange(); r.selectNodeContents(b.parentElement.nextElementSibling); var s = getSelection(); s.removeAllRanges(); s.addRange(r); b.textContent = 'selected'; }
  });
});`;

/** The baseline's counts and its stale and expired entries. */
function baselineBlock(report: ConformanceReport): string {
  const b = report.baseline;
  if (!b) return '';
  const entries = [
    ...b.stale.map((e) => `<li>stale: ${esc(e.rule)} <code>${esc(e.fingerprint)}</code> (${esc(e.reason)}) no longer reproduces; <code>npx runbase-conformance baseline prune</code> drops it${b.failOnStale ? ' — fails the run (--fail-on-stale)' : ''}</li>`),
    ...b.expired.map((e) => `<li>expired: ${esc(e.rule)} <code>${esc(e.fingerprint)}</code> ran out on ${esc(e.expires ?? '')}; its failure counts as new</li>`),
  ];
  return `<h2 id="baseline">Baseline</h2><p><code>${esc(b.file)}</code>: <strong>${b.new} new</strong>, ${b.known} known, ${b.stale.length} stale${b.expired.length ? `, ${b.expired.length} expired` : ''}</p>${entries.length ? `<ul>${entries.join('')}</ul>` : ''}`;
}

/** `settingsFile`: as for renderMarkdown. */
export function renderHtml(report: ConformanceReport, settingsFile?: string): string {
  const failing = report.rules.filter((r) => r.verdict === 'failed' || r.verdict === 'warned');
  const rest = report.rules.filter((r) => r.verdict !== 'failed' && r.verdict !== 'warned');
  const section = (r: RuleResult) => ruleSection(r, report.seed);
  const known = report.baseline ? failing.filter(allKnown) : [];
  const fresh = failing.filter((r) => !known.includes(r));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runbase conformance — ${esc(report.outcome)}</title><style>${STYLE}</style></head>
<body data-outcome="${esc(report.outcome)}" data-exit-code="${report.exitCode}">
<h1>Runbase conformance report</h1>
<div class="summary ${esc(report.outcome)}" id="summary">${esc(summaryLine(report).replace(/^\S+\s/, ''))}</div>
<p class="meta">Target <code>${esc(report.target.apiRoot)}</code>${report.target.embedded ? ' (embedded reference emulator)' : ''} · contract <code>${esc(report.contractVersion)}</code> · seed <code>${report.seed}</code> · ${report.requests} requests · ${esc(report.startedAt)} → ${esc(report.finishedAt)}</p>
${report.errors.length ? `<h2>Errors</h2><ul>${report.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}
${fresh.length ? `<h2>Failures and warnings${report.baseline ? ' (new)' : ''}</h2>${failing.some((r) => r.failures.some((f) => f.exchange)) ? `<p class="reproduce">${esc(reproductionNote(settingsFile)).replace(/`([^`]*)`/g, '<code>$1</code>')}</p>` : ''}${fresh.map(section).join('')}` : ''}
${LEGEND}${familyMatrix(report)}${errorMatrix(report)}
${baselineBlock(report)}
${known.length ? `<h2 id="known">Known findings (in the baseline)</h2>${known.map(section).join('')}` : ''}
<h2>All rules</h2>${rest.map(section).join('')}
<script>${SCRIPT}</script></body></html>
`;
}
