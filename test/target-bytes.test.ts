// Target bytes are data: a hostile target (src/selftest/hostile.ts, plants-bytes) puts terminal
// escapes, a lone CR, workflow commands, NUL, Markdown and HTML in its error codes, messages and a
// header. `npm test` fails it (exit 1) and shows what it answered, escaped: the console has no
// control character and no line that starts a workflow command; conformance.md and the job summary,
// rendered as Markdown, hold the planted text in code only (no heading, image, link or table of its
// making); junit.xml is well-formed XML; the HTML report runs no planted script.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MarkdownIt from 'markdown-it';
import { XMLValidator } from 'fast-xml-parser';
import { Window } from 'happy-dom';
import { hostileCaseByName, type HostileTarget } from '../src/selftest/hostile.ts';
import { runConformance, type CliRun } from './helpers.ts';

/** What a terminal or a CI log would act on: C0 controls but tab and line feed, DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

let target: HostileTarget;
let run: CliRun;
let dir: string;
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

beforeAll(async () => {
  target = await hostileCaseByName('plants-bytes').start();
  dir = mkdtempSync(join(tmpdir(), 'runbase-bytes-'));
  writeFileSync(join(dir, 'summary.md'), '');
  run = await runConformance({ ...target.env, RUNBASE_RUNS: '3', RUNBASE_REPORT_DIR: join(dir, 'reports'), GITHUB_STEP_SUMMARY: join(dir, 'summary.md') }, 180_000);
}, 200_000);
afterAll(() => target?.close());

/** Markdown as GitHub would show it (inline HTML allowed), as a document. */
function rendered(markdown: string): Document {
  const window = new Window();
  window.document.body.innerHTML = new MarkdownIt({ html: true }).render(markdown);
  return window.document as unknown as Document;
}

describe('a target planting escapes, workflow commands, Markdown and HTML', () => {
  it('fails the run (exit 1)', () => {
    expect(run.code, run.output).toBe(1);
  });

  it('console: every control character visible, no line that starts a workflow command, the planted text shown escaped', () => {
    for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
      const bad = text.split('\n').find((line) => CONTROL.test(line) || /^\s*::/.test(line));
      expect(bad, `${name} holds a raw control character or a workflow command`).toBeUndefined();
    }
    expect(run.stdout).toContain('\\x1b[2J\\x1b[1;31mFORGED-ESC');
    expect(run.stdout).toContain('shown\\x0dFORGED-CR');
    expect(run.stdout).toContain('\\n::stop-commands::forgedtoken');
  });

  for (const name of ['reports/conformance.md', 'summary.md']) {
    it(`${name}: the planted Markdown and HTML stay in code (no heading, image, link, table or script of theirs)`, () => {
      const text = read(name);
      expect(text).not.toMatch(CONTROL);
      const doc = rendered(text);
      const made = (selector: string) => [...doc.querySelectorAll(selector)].map((e) => e.outerHTML).filter((html) => /FORGED|127\.0\.0\.1:9/.test(html));
      expect(made('h1, h2, h3, h4, h5, h6')).toEqual([]);
      expect(made('img, a, script')).toEqual([]);
      // The planted table would have cells of exactly these words; the report's own table escapes them.
      expect([...doc.querySelectorAll('th, td')].filter((c) => ['FORGED', 'CELL'].includes(c.textContent?.trim() ?? ''))).toEqual([]);
      expect([...doc.querySelectorAll('[onerror]')]).toEqual([]);
      // Shown, as code: the failing code and the answer's body.
      expect([...doc.querySelectorAll('code')].some((c) => c.textContent?.includes('# FORGED-HEADING'))).toBe(true);
    });
  }

  it('junit.xml: well-formed XML with the planted text escaped', () => {
    const xml = read('reports/junit.xml');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(CONTROL);
    expect(xml).toContain('FORGED-HEADING');
  });

  it('conformance.html: no planted script, image or handler; the planted text shown as text', () => {
    const window = new Window();
    const document = window.document;
    document.write(read('reports/conformance.html'));
    expect([...document.querySelectorAll('script')].filter((s) => s.textContent.includes('FORGED'))).toEqual([]);
    expect([...document.querySelectorAll('img, [onerror]')]).toEqual([]);
    expect(document.body.textContent).toContain('<script>alert("FORGED-SCRIPT")</script>');
  });
});
