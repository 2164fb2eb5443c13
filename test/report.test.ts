// The report of `npm test`: four files that agree with each other and with the exit code, a page that
// renders in headless Chromium, and no key anywhere — not even when the target echoes it back.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { contract } from '../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';
import { deviationByName } from '../src/selftest/deviations.ts';
import type { ConformanceReport } from '../src/report/model.ts';
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
  expect((o.junit.match(/<testcase /g) ?? []).length).toBe(json.rules.length);
  expect((o.junit.match(/<failure /g) ?? []).length).toBe(json.summary.failed);
  expect((o.junit.match(/<skipped /g) ?? []).length).toBe(json.summary.skipped);
  expect(o.html).toContain(`data-exit-code="${json.exitCode}"`);
  for (const r of json.rules.filter((r) => r.verdict === 'failed')) {
    expect(o.md).toContain(`${r.id} — ${r.title}`);
    expect(o.junit).toContain(`name="${r.id}: `);
  }
}

async function renderInChromium(file: string) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    const summary = await page.locator('#summary').innerText();
    const chips = Object.fromEntries(await Promise.all(['passed', 'failed', 'skipped', 'observed'].map(async (v) => [v, await page.locator(`table.matrix:first-of-type a.chip.${v}`).count()] as const)));
    const openFailures = await page.locator('details.rule.failed[open]').count();
    await page.screenshot({ path: file.replace(/\.html$/, '.png') });
    return { errors, summary, chips, openFailures };
  } finally {
    await browser.close();
  }
}

describe('the conformance report', () => {
  it('against the embedded emulator: four agreeing files, and a page that renders in Chromium', async () => {
    const o = await reportOf({});
    expect(o.run.code, o.run.output).toBe(0);
    expectAgreement(o);
    expect(o.json.outcome).toBe('conforms');
    expect(o.json.target.embedded).toBe(true);
    expect(o.run.stdout).toContain(`reports: ${join(o.dir, 'conformance.json')}`);
    expect(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`).toBe(true);
    const page = await renderInChromium(join(o.dir, 'conformance.html'));
    expect(page.errors).toEqual([]);
    expect(page.summary).toContain(`conforms: ${o.json.summary.passed} passed, 0 failed`);
    expect(page.chips.passed).toBe(o.json.summary.passed);
    expect(page.chips.observed).toBe(o.json.summary.observed);
  });

  it('against a wrong target that echoes the key: the failure is in every file, agreeing, and no key leaks anywhere', async () => {
    const emulator = await startEmulator({ clock: 'virtual', steps: deviationByName('key-echoed-in-message').steps() });
    emulators.push(emulator);
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const o = await reportOf({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '10' });
    expect(o.run.code, o.run.output).toBe(1);
    expectAgreement(o);
    const failed = o.json.rules.find((r) => r.id === 'SEC-NO-SECRET-ECHO')!;
    expect(failed.verdict).toBe('failed');
    expect(failed.failures[0]!.exchange!.response.body).toMatch(/\$RUNBASE_[A-Z_]+/);
    expect(o.md).toMatch(/curl -sS -i -X GET .*"\$\{RUNBASE_[A-Z_]+\}"/);

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
    const page = await renderInChromium(join(o.dir, 'conformance.html'));
    expect(page.errors).toEqual([]);
    expect(page.summary).toContain('contract broken');
    expect(page.chips.failed).toBe(o.json.summary.failed);
    expect(page.openFailures).toBe(o.json.summary.failed);
  });
});
