// The report of `npm test`: four files that agree with each other and with the exit code, a page that
// reads right in a DOM library (happy-dom) on any machine and renders in headless Chromium where there
// is one (always in CI), and no key anywhere — not even when the target echoes it back.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import { chromium } from 'playwright-core';
import { contract } from '../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';
import { deviationByName } from '../src/selftest/deviations.ts';
import type { ConformanceReport } from '../src/report/model.ts';
import { verdictCause } from '../src/report/markdown.ts';
import { runConformance, type CliRun } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

interface Outputs { run: CliRun; dir: string; json: ConformanceReport; md: string; junit: string; html: string; summary: string }

async function reportOf(env: Record<string, string>): Promise<Outputs> {
  const dir = mkdtempSync(join(tmpdir(), 'runbase-report-'));
  const summaryFile = join(dir, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const run = await runConformance({ ...env, RUNBASE_REPORT_DIR: dir, GITHUB_STEP_SUMMARY: summaryFile });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { run, dir, json: JSON.parse(read('conformance.json')), md: read('conformance.md'), junit: read('junit.xml'), html: read('conformance.html'), summary: read('step-summary.md') };
}

function expectAgreement(o: Outputs) {
  const { json } = o;
  expect(json.schemaVersion).toBe(1);
  expect(json.exitCode).toBe(o.run.code);
  expect(json.rules.map((r) => r.id)).toEqual(expect.arrayContaining(contract.rules.rules.map((r) => r.id)));
  const count = (v: string) => json.rules.filter((r) => r.verdict === v).length;
  expect(json.summary.failed).toBe(count('failed'));
  expect(o.md).toContain(`${json.summary.passed} passed, ${json.summary.failed} failed, ${json.summary.warned} warned, ${json.summary.skipped} skipped`);
  expect(o.summary).toBe(o.md);
  expect((o.junit.match(/<testcase /g) ?? []).length).toBe(json.rules.length + 1);
  expect((o.junit.match(/<failure /g) ?? []).length).toBe(json.summary.failed);
  expect((o.junit.match(/<skipped /g) ?? []).length).toBe(json.summary.skipped);
  expect(o.html).toContain(`data-exit-code="${json.exitCode}"`);
  // One verdict: the exit code and its cause, the same on the console's last line and in every file.
  const cause = verdictCause(json);
  expect(o.run.stdout.trim().split('\n').at(-1)).toBe(`exit ${json.exitCode}: ${{ 0: 'the target conforms', 1: 'the target breaks the contract', 2: 'configuration or target error' }[json.exitCode]} — ${cause}`);
  expect(o.md).toContain(`(exit ${json.exitCode}) — ${cause}`);
  expect(o.junit).toContain(`<property name="exit-code" value="${json.exitCode}"/>`);
  expect(o.html).toContain(`(exit ${json.exitCode}) — `);
  for (const r of json.rules.filter((r) => r.verdict === 'failed')) {
    expect(o.md).toContain(`${r.id} — ${r.title}`);
    expect(o.junit).toContain(`name="${r.id}: `);
  }
}

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** What a reader sees of the page: script errors, the summary line, chips in the first matrix, open failures. */
interface PageView { errors: string[]; summary: string; chips: Record<string, number>; openFailures: number; copied: string }

const VERDICT_CHIPS = ['passed', 'failed', 'skipped', 'observed'];

/** The page in a DOM library (happy-dom), its script run: works on any machine with Node alone. */
async function renderInDom(file: string): Promise<PageView> {
  const window = new Window({ url: `file://${file}`, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true } });
  const errors: string[] = [];
  window.addEventListener('error', (e) => errors.push(String((e as unknown as { error?: unknown }).error ?? e)));
  try {
    const document = window.document;
    document.write(readFileSync(file, 'utf8'));
    await window.happyDOM.waitUntilComplete();
    const chips = Object.fromEntries(VERDICT_CHIPS.map((v) => [v, document.querySelectorAll(`table.matrix:first-of-type a.chip.${v}`).length]));
    // The copy button is the page's only script: pressing it must not throw (no clipboard here: it selects).
    const button = document.querySelector('button.copy') as unknown as { click(): void; textContent: string } | null;
    button?.click();
    return { errors, summary: document.querySelector('#summary')?.textContent ?? '', chips, openFailures: document.querySelectorAll('details.rule.failed[open]').length, copied: button?.textContent ?? '' };
  } finally {
    await window.happyDOM.close();
  }
}

async function renderInChromium(file: string): Promise<PageView> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    const summary = await page.locator('#summary').innerText();
    const chips = Object.fromEntries(await Promise.all(VERDICT_CHIPS.map(async (v) => [v, await page.locator(`table.matrix:first-of-type a.chip.${v}`).count()] as const)));
    const openFailures = await page.locator('details.rule.failed[open]').count();
    await page.screenshot({ path: file.replace(/\.html$/, '.png') });
    return { errors, summary, chips, openFailures, copied: '' };
  } finally {
    await browser.close();
  }
}

// Chromium is optional on a developer's machine (the DOM check runs everywhere) and required in CI,
// where .ci/run installs it: a missing browser there fails instead of skipping.
const HAS_CHROMIUM = existsSync(CHROMIUM);
const CHROMIUM_RUNS = HAS_CHROMIUM || process.env.CI === 'true';
const chromiumIt = it.skipIf(!CHROMIUM_RUNS);
if (!CHROMIUM_RUNS) console.warn(`report test: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or apt-get install chromium): the page is checked with happy-dom only`);

function expectConformingPage(page: PageView, json: ConformanceReport) {
  expect(page.errors).toEqual([]);
  expect(page.summary).toContain(`conforms: ${json.summary.passed} passed, 0 failed`);
  expect(page.chips.passed).toBe(json.summary.passed);
  expect(page.chips.observed).toBe(json.summary.observed);
}

function expectBrokenPage(page: PageView, json: ConformanceReport) {
  expect(page.errors).toEqual([]);
  expect(page.summary).toContain('contract broken');
  expect(page.chips.failed).toBe(json.summary.failed);
  expect(page.openFailures).toBe(json.summary.failed);
}

describe('the conformance report against the embedded emulator', () => {
  let o: Outputs;
  beforeAll(async () => { o = await reportOf({}); });

  it('has four agreeing files', () => {
    expect(o.run.code, o.run.output).toBe(0);
    expectAgreement(o);
    expect(o.json.outcome).toBe('conforms');
    expect(o.json.target.embedded).toBe(true);
    expect(o.run.stdout).toContain(`reports: ${join(o.dir, 'conformance.json')}`);
  });

  it('has a page that a DOM reads as the report says, its script without error', async () => {
    const page = await renderInDom(join(o.dir, 'conformance.html'));
    expectConformingPage(page, o.json);
    expect(page.copied).toBe('');
  });

  chromiumIt('has a page that renders in Chromium', async () => {
    expect(HAS_CHROMIUM, `CI=true: Chromium is required at ${CHROMIUM} (apt-get install chromium)`).toBe(true);
    expectConformingPage(await renderInChromium(join(o.dir, 'conformance.html')), o.json);
  });
});

describe('the conformance report against a wrong target that echoes the key', () => {
  let o: Outputs;
  let env: Record<string, string>;
  beforeAll(async () => {
    const emulator = await startEmulator({ clock: 'virtual', steps: deviationByName('key-echoed-in-message').steps() });
    emulators.push(emulator);
    env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    o = await reportOf({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '10' });
  });

  it('has the failure in every file, agreeing, and no key anywhere', () => {
    expect(o.run.code, o.run.output).toBe(1);
    expectAgreement(o);
    const failed = o.json.rules.find((r) => r.id === 'SEC-NO-SECRET-ECHO')!;
    expect(failed.verdict).toBe('failed');
    expect(failed.failures[0]!.exchange!.response.body).toMatch(/\$RUNBASE_[A-Z_]+/);
    expect(o.md).toMatch(/curl -sS -i -X GET .*"\$\{RUNBASE_[A-Z_0-9]+\}"/);

    const planted = Object.entries(env).filter(([name]) => /KEY|TOKEN/.test(name)).flatMap(([, v]) => v.split(','));
    expect(planted.length).toBeGreaterThan(10);
    const everything = [o.run.stdout, o.run.stderr, o.summary, ...readdirSync(o.dir).map((f) => readFileSync(join(o.dir, f), 'latin1'))];
    for (const key of planted) {
      const secret = key.replace(/^sk-/, '');
      for (const text of everything) {
        expect(text.includes(key), 'a key leaked').toBe(false);
        expect(text.includes(secret), 'a key\'s secret part leaked').toBe(false);
      }
    }
  });

  it('has a page that a DOM reads as the report says: failures open, copy button works', async () => {
    const page = await renderInDom(join(o.dir, 'conformance.html'));
    expectBrokenPage(page, o.json);
    expect(page.copied).toMatch(/^(copied|selected|select and copy)$/);
  });

  it('puts the failures at the top of the page, before the matrices, and explains the matrices\' chips', () => {
    const failures = o.html.indexOf('<h2>Failures and warnings</h2>');
    expect(failures).toBeGreaterThan(-1);
    expect(failures).toBeLessThan(o.html.indexOf('<table class="matrix"'));
    const legend = /<p class="legend">([\s\S]*?)<\/p>/.exec(o.html)?.[1] ?? '';
    for (const verdict of ['passed', 'failed', 'warned', 'skipped', 'observed']) expect(legend).toContain(`class="chip ${verdict}"`);
    expect(legend).toContain('passed in part');
  });

  chromiumIt('has a page that renders in Chromium', async () => {
    expect(HAS_CHROMIUM, `CI=true: Chromium is required at ${CHROMIUM} (apt-get install chromium)`).toBe(true);
    expectBrokenPage(await renderInChromium(join(o.dir, 'conformance.html')), o.json);
  });
});
