// One level per fact: a PACT twin never gates on what the catalogue leaves to a warn or observe rule.
// Deviant emulators whose only fault is such a fact (an error's Content-Type, an undocumented message
// text) must exit 0 with every PACT rule passed, the fact reported by its own rule.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/index.ts';
import { startEmulator, provisionFixtures, type Answer, type RunningEmulator, type Step } from '../../src/emulator/index.ts';
import { rewrite } from '../../src/selftest/deviations.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { pactPath } from '../../src/pact/verify.ts';
import { runConformance } from '../helpers.ts';

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

const isError = (a: Answer) => a.status >= 400;
const documentedMessage = (code: string) => contract.errors.errors.find((e) => e.code === code)?.message;

/** Each case: a deviant table, and the rule that must report the fact (at its own level). */
const cases: { name: string; steps: () => Step[]; reportedBy: { id: string; verdict: string } }[] = [
  {
    name: 'every error answer says Content-Type: text/plain (JSON body)',
    steps: () => rewrite('*', (a) => (isError(a) ? { ...a, headers: { ...a.headers, 'content-type': 'text/plain' } } : a)),
    reportedBy: { id: 'ENV-CONTENT-TYPE', verdict: 'warned' },
  },
  {
    name: 'every undocumented message text reworded',
    steps: () => rewrite('*', (a) => {
      const error = (a.body as { error?: { code: string; message: string } }).error;
      return isError(a) && error && !documentedMessage(error.code) ? { ...a, body: { error: { ...error, message: 'Reworded, still human-readable.' } } } : a;
    }),
    reportedBy: { id: 'ENV-MESSAGE', verdict: 'passed' },
  },
];

interface PactInteraction {
  description: string;
  response: { headers?: Record<string, unknown>; body?: { content?: { error?: { code?: string; message?: string } } }; matchingRules?: { body?: Record<string, { matchers: { match: string }[] }> } };
}

describe('PACT twins agree with the catalogue on levels', () => {
  it('the pact asserts no response Content-Type, and no message text but the documented one', () => {
    const pact = JSON.parse(readFileSync(pactPath(), 'utf8')) as { interactions: PactInteraction[] };
    for (const i of pact.interactions) {
      expect(Object.keys(i.response.headers ?? {}).map((h) => h.toLowerCase()), i.description).not.toContain('content-type');
      const error = i.response.body?.content?.error;
      if (!error?.code) continue;
      const documented = documentedMessage(error.code);
      if (documented) expect(error.message, i.description).toBe(documented);
      else expect(i.response.matchingRules?.body?.['$.error.message']?.matchers.map((m) => m.match), i.description).toEqual(['type']);
    }
  });

  for (const c of cases) {
    it(`${c.name}: exit 0, every PACT rule passes, ${c.reportedBy.id} ${c.reportedBy.verdict}`, async () => {
      const emulator = await startEmulator({ clock: 'virtual', steps: c.steps() });
      emulators.push(emulator);
      const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
      const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-levels-'));
      const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '3', RUNBASE_REPORT_DIR: dir });
      const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
      const pact = report.rules.filter((r) => r.family === 'pact');
      expect(pact.length).toBe(contract.rules.rules.filter((r) => r.family === 'pact').length);
      expect(pact.filter((r) => r.verdict !== 'passed').map((r) => `${r.id} ${r.verdict}: ${r.failures.map((f) => f.message).join('; ')}`)).toEqual([]);
      expect(report.rules.find((r) => r.id === c.reportedBy.id)?.verdict).toBe(c.reportedBy.verdict);
      expect(run.code, run.output).toBe(0);
    });
  }
});
