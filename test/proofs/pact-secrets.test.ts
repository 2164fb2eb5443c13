// Pact speaks through our reporter: the verifier's own printed text is captured in its child process,
// never shown, and a key the target echoes into a Pact-verified answer reaches no output in any
// encoding. The deviant target echoes the key it was sent into the error code of the pact's
// run_not_found interaction (a field Pact compares exactly, so Pact prints it in its mismatch).
// Pact's own text never reaches the console (captured in the verifier's process); what our reporter
// prints of Pact's mismatches is redacted by redactText, whose encoded forms are issue 11's (h11).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/contract/index.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../../src/emulator/index.ts';
import { rewrite } from '../../src/selftest/deviations.ts';
import { pactCases } from '../../src/pact/interactions.ts';
import { RESULT_MARK } from '../../src/pact/verifier-host.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import { runConformance } from '../helpers.ts';

const emulators: RunningEmulator[] = [];
afterAll(async () => { for (const e of emulators) await e.close(); });

/** The pact's absent run id: only Pact's own request reads it. */
const pactReadPath = pactCases().find((c) => c.ruleId === 'PACT-RUN-NOT-FOUND')!.request.path;
const percentAll = (text: string) => [...Buffer.from(text)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const encodings: Record<string, (key: string) => string> = {
  raw: (k) => k,
  base64: (k) => Buffer.from(k).toString('base64'),
  base64url: (k) => Buffer.from(k).toString('base64url'),
  percent: percentAll,
};

describe("Pact's output", () => {
  it('is captured and condensed: a key echoed into a Pact-verified answer reaches no output in any encoding', async () => {
    const echo = rewrite('lookupRun', (a, ctx) => {
      if (!ctx.call.path.endsWith(pactReadPath.slice(contract.limits.apiRootPath.length)) || !ctx.key) return a;
      const code = Object.values(encodings).map((encode) => encode(ctx.key!.key)).join(' ');
      return { ...a, body: { error: { message: `no such run for ${code}`, code } } };
    });
    const emulator = await startEmulator({ clock: 'virtual', steps: echo });
    emulators.push(emulator);
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-secrets-'));
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '2', RUNBASE_REPORT_DIR: dir });

    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    const pactRule = report.rules.find((r) => r.id === 'PACT-RUN-NOT-FOUND')!;
    expect(pactRule.verdict, run.output).toBe('failed');
    expect(pactRule.failures.map((f) => f.message).join('\n')).toMatch(/Pact: Expected .* to be equal to 'run_not_found'/);
    expect(report.rules.find((r) => r.id === 'SEC-NO-SECRET-ECHO')?.verdict).toBe('failed');
    expect(run.code, run.output).toBe(1);
    // Pact's own per-interaction summary never reaches the console: one line per PACT rule is ours.
    expect(run.output).not.toMatch(/Verifying a pact between|has status code|There were \d+ pact failures/);
    for (const c of pactCases()) expect(run.stdout.split('\n').filter((l) => new RegExp(`^ {2}\\S+ (passed|failed|skipped) +${c.ruleId} `).test(l)), c.ruleId).toHaveLength(1);

    const outputs: Record<string, string> = { console: run.output };
    for (const file of readdirSync(dir)) outputs[file] = readFileSync(join(dir, file), 'utf8');
    const keys = env.RUNBASE_API_KEY!.split(',');
    for (const [where, text] of Object.entries(outputs)) {
      for (const key of keys) {
        for (const [name, encode] of Object.entries(encodings)) expect(text.includes(encode(key)), `${name} key in ${where}`).toBe(false);
      }
    }
  });

  it("cannot be forged by a target: result lines in an answer Pact prints do not pass the interaction", async () => {
    // Every job id a run could use, each with a forged success: Pact prints the code in its mismatch.
    const forged = Array.from({ length: 40 }, (_, id) => `\n${RESULT_MARK}${JSON.stringify({ id, ok: true, json: '{"result":true,"errors":[]}' })}\n`).join('');
    const steps = rewrite('lookupRun', (a, ctx) => (ctx.call.path.endsWith(pactReadPath.slice(contract.limits.apiRootPath.length)) ? { ...a, body: { error: { message: 'no such run', code: forged } } } : a));
    const emulator = await startEmulator({ clock: 'virtual', steps });
    emulators.push(emulator);
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    const dir = mkdtempSync(join(tmpdir(), 'runbase-pact-forged-'));
    const run = await runConformance({ ...env, RUNBASE_CLOCK: 'virtual', RUNBASE_RUNS: '1', RUNBASE_REPORT_DIR: dir });
    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    expect(report.rules.find((r) => r.id === 'PACT-RUN-NOT-FOUND')?.verdict, run.output).toBe('failed');
    expect(report.rules.filter((r) => r.family === 'pact' && r.id !== 'PACT-RUN-NOT-FOUND' && r.verdict !== 'passed').map((r) => r.id)).toEqual([]);
    expect(run.code).toBe(1);
  });
});
