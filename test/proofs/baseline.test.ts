// The gate teams can live with, end to end: the conformance CLI (a long-lived runner process calling its
// main() per job, src/selftest/cli-runner.ts) against emulators on loopback — a deviant with two
// deviations on different rules (AUTH-UNKNOWN-KEY, BR-MODEL-NOT-FOUND), and the faithful one. Targeted
// re-runs (--rule, --last-failed, --replay) reproduce the full run's verdicts; the baseline makes
// failures known, new, stale or expired; fingerprints hold across seeds, RUNBASE_RUNS and shards, and
// tell two deviations of one rule apart. Most runs select the two rules, to stay cheap.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, provisionFixtures, type Step } from '../../src/emulator/index.ts';
import { combinedSteps } from '../../src/selftest/combined.ts';
import { deviationByName } from '../../src/selftest/deviations.ts';
import { runnerPool } from '../../src/selftest/matrix.ts';
import { shardOfRule } from '../../src/contract/shard.ts';
import { contract } from '../../src/contract/index.ts';
import type { ConformanceReport } from '../../src/report/model.ts';
import type { Baseline } from '../../src/report/baseline.ts';

const dir = mkdtempSync(join(tmpdir(), 'runbase-baseline-'));
const pool = runnerPool(1);
const emulators: (() => Promise<void>)[] = [];
afterAll(async () => {
  await pool.close();
  for (const close of emulators) await close();
  rmSync(dir, { recursive: true, force: true });
});

const UNKNOWN = 'AUTH-UNKNOWN-KEY';
const MODEL = 'BR-MODEL-NOT-FOUND';
const BOTH = [UNKNOWN, MODEL].join(',');

/** One emulator; each run gets fresh keys and accounts on it. */
async function target(steps?: Step[]): Promise<() => Record<string, string>> {
  const emulator = await startEmulator({ clock: 'virtual', ...(steps ? { steps } : {}) });
  emulators.push(() => emulator.close());
  return () => ({ ...provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken }), RUNBASE_CLOCK: 'virtual' });
}

const base = () => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('RUNBASE_') && !e[0].startsWith('VITEST') && !e[0].startsWith('PACT_BROKER')));
let runs = 0;

/** One CLI job: the target's settings, a report directory of its own (unless given), `argv`. */
async function cli(env: (() => Record<string, string>) | undefined, settings: Record<string, string>, argv: string[] = []): Promise<{ code: number | null; output: string; reportDir: string; report: () => ConformanceReport }> {
  const reportDir = settings.RUNBASE_REPORT_DIR ?? join(dir, `run-${++runs}`);
  const targetEnv = env ? env() : {};
  const job = { ...base(), ...targetEnv, RUNBASE_ENV_FILE: '/dev/null', NO_COLOR: '1', RUNBASE_PROGRESS: 'off', RUNBASE_SEED: '7', RUNBASE_RUNS: '5', ...settings, RUNBASE_REPORT_DIR: reportDir };
  const { code, output } = await pool.run(job, argv);
  // No key the run was given appears in what it printed (replay puts keys back, and must not print them).
  const keys = Object.values(targetEnv).flatMap((v) => v.split(',')).filter((v) => v.startsWith(contract.limits.keys.prefix));
  for (const key of keys) expect(output.includes(key), 'a key in the output').toBe(false);
  return { code, output, reportDir, report: () => JSON.parse(readFileSync(join(reportDir, 'conformance.json'), 'utf8')) as ConformanceReport };
}

const verdicts = (r: ConformanceReport, ids?: string[]) => Object.fromEntries(r.rules.filter((x) => !ids || ids.includes(x.id)).map((x) => [x.id, x.verdict]));
/** Per rule, its failures' fingerprints (sorted, distinct). */
const fingerprints = (r: ConformanceReport, ids: string[]) => Object.fromEntries(ids.map((id) => [id, [...new Set(r.rules.find((x) => x.id === id)?.failures.map((f) => f.fingerprint) ?? [])].sort()]));

const deviant = target(combinedSteps('unknown-key-as-missing', 'unknown-model-as-invalid-input'));
const faithful = target();

describe('targeted re-runs reproduce the full run', () => {
  let full: Awaited<ReturnType<typeof cli>>;

  it('a full run, then --rule, --last-failed and --replay: the same verdicts and fingerprints for what they select', async () => {
    full = await cli(await deviant, {});
    expect(full.code, full.output).toBe(1);
    const whole = full.report();
    expect(verdicts(whole, [UNKNOWN, MODEL])).toEqual({ [UNKNOWN]: 'failed', [MODEL]: 'failed' });
    // Every failure prints the commands that re-run it, in every report.
    for (const f of whole.rules.find((r) => r.id === UNKNOWN)!.failures) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{12}$/);
      for (const file of ['conformance.md', 'conformance.html', 'junit.xml']) {
        const text = readFileSync(join(full.reportDir, file), 'utf8');
        expect(text, file).toContain(f.fingerprint!);
        expect(text, file).toContain(`--rule ${UNKNOWN}`);
        expect(text, file).toContain(`--replay ${f.caseId}`);
      }
    }
    expect(full.output).toContain(`--replay ${UNKNOWN}:1`);

    const selected = await cli(await deviant, {}, ['--rule', BOTH]);
    expect(selected.code, selected.output).toBe(1);
    expect(selected.report().rules.map((r) => r.id).sort()).toEqual([UNKNOWN, MODEL].sort());
    expect(verdicts(selected.report())).toEqual(verdicts(whole, [UNKNOWN, MODEL]));
    expect(fingerprints(selected.report(), [UNKNOWN, MODEL])).toEqual(fingerprints(whole, [UNKNOWN, MODEL]));

    const failed = whole.rules.filter((r) => r.verdict === 'failed' || r.verdict === 'warned').map((r) => r.id);
    const lastDir = join(dir, 'last-failed');
    cpSync(full.reportDir, lastDir, { recursive: true });
    const last = await cli(await deviant, { RUNBASE_REPORT_DIR: lastDir }, ['--last-failed']);
    expect(last.code, last.output).toBe(1);
    expect(last.output).toContain(`--last-failed: re-running ${failed.join(', ')}`);
    expect(last.report().rules.map((r) => r.id)).toEqual(failed);
    expect(verdicts(last.report())).toEqual(verdicts(whole, failed));
    expect(fingerprints(last.report(), [UNKNOWN, MODEL])).toEqual(fingerprints(whole, [UNKNOWN, MODEL]));

    // One recorded case, sent again as recorded: it still fails on the deviant, with its fingerprint;
    // the same case holds on the faithful emulator.
    for (const id of [UNKNOWN, MODEL]) {
      const failure = whole.rules.find((r) => r.id === id)!.failures[0]!;
      const replayed = await cli(await deviant, { RUNBASE_REPORT_DIR: full.reportDir }, ['--replay', failure.caseId!]);
      expect(replayed.code, replayed.output).toBe(1);
      expect(replayed.output).toContain(`fingerprint ${failure.fingerprint}, as recorded`);
    }
    const onFaithful = await cli(await faithful, { RUNBASE_REPORT_DIR: full.reportDir }, ['--replay', `${UNKNOWN}:1`]);
    expect(onFaithful.code, onFaithful.output).toBe(0);
    expect(onFaithful.output).toContain('holds now');
    expect((await cli(await deviant, { RUNBASE_REPORT_DIR: full.reportDir }, ['--replay', 'NOPE:1'])).code).toBe(2);
    const unknownRule = await cli(await deviant, {}, ['--rule', `${UNKNOWN},AUTH-NO-SUCH-RULE`]);
    expect(unknownRule.code).toBe(2);
    expect(unknownRule.output).toContain('AUTH-NO-SUCH-RULE');
  }, 600_000);

  it('--replay sends a body the report cut whole, from the file it was saved in (the deep nesting that breaks the deviant)', async () => {
    const nesting = await target(deviationByName('deep-nesting-500').steps());
    const run = await cli(nesting, {}, ['--rule', 'SRV-NO-5XX']);
    expect(run.code, run.output).toBe(1);
    const failure = run.report().rules[0]!.failures.find((f) => f.exchange?.request.bodyFile !== undefined)!;
    expect(failure, 'a failure whose body was cut').toBeDefined();
    const replayed = await cli(nesting, { RUNBASE_REPORT_DIR: run.reportDir }, ['--replay', failure.caseId!]);
    expect(replayed.code, replayed.output).toBe(1);
    expect(replayed.output).toContain(`fingerprint ${failure.fingerprint}, as recorded`);
    // Only that deeply nested body breaks the deviant: the faithful emulator answers it without a 5xx.
    const onFaithful = await cli(await faithful, { RUNBASE_REPORT_DIR: run.reportDir }, ['--replay', failure.caseId!]);
    expect(onFaithful.code, onFaithful.output).toBe(0);
  }, 300_000);
});

describe('the baseline: known, new, stale, expired', () => {
  it('baseline one finding → exit 1 naming only the other; both → exit 0, 2 known; on the faithful emulator both are stale; an expired entry fails', async () => {
    const first = await cli(await deviant, {}, ['--rule', BOTH]);
    expect(first.code, first.output).toBe(1);
    const all = join(dir, 'all.json');
    const added = await cli(undefined, {}, ['baseline', 'add', '--from', join(first.reportDir, 'conformance.json'), '--reason', 'accepted while the key checks are rebuilt', '--baseline', all]);
    expect(added.code, added.output).toBe(0);
    const baseline = JSON.parse(readFileSync(all, 'utf8')) as Baseline;
    expect(baseline.contractVersion).toBe(contract.version);
    expect(baseline.entries.map((e) => e.rule).sort()).toEqual([UNKNOWN, MODEL].sort());
    const write = (name: string, entries: Baseline['entries']) => { const file = join(dir, name); writeFileSync(file, JSON.stringify({ ...baseline, entries })); return file; };
    const onlyModel = write('model.json', baseline.entries.filter((e) => e.rule === MODEL));

    const one = await cli(await deviant, { RUNBASE_BASELINE: onlyModel }, ['--rule', BOTH]);
    expect(one.code, one.output).toBe(1);
    expect(one.output).toMatch(new RegExp(`✗ ${UNKNOWN} `));
    expect(one.output).not.toMatch(new RegExp(`✗ ${MODEL} `));
    expect(one.output).toMatch(new RegExp(`≈ ${MODEL} `));
    expect(one.report().baseline).toMatchObject({ new: 1, known: 1, stale: [] });

    const both = await cli(await deviant, {}, ['--rule', BOTH, '--baseline', all]);
    expect(both.code, both.output).toBe(0);
    expect(both.output).toContain('0 new, 2 known, 0 stale');
    expect(readFileSync(join(both.reportDir, 'junit.xml'), 'utf8')).not.toContain('<failure');

    const stale = await cli(await faithful, { RUNBASE_BASELINE: all }, ['--rule', BOTH]);
    expect(stale.code, stale.output).toBe(0);
    expect(stale.report().baseline!.stale.map((e) => e.rule).sort()).toEqual([UNKNOWN, MODEL].sort());
    const failing = await cli(await faithful, { RUNBASE_BASELINE: all }, ['--rule', BOTH, '--fail-on-stale']);
    expect(failing.code, failing.output).toBe(1);
    expect(failing.output).toContain('2 stale');
    // A rule that did not run says nothing about its entries: not stale.
    const narrow = await cli(await faithful, { RUNBASE_BASELINE: all, RUNBASE_FAIL_ON_STALE: '1' }, ['--rule', UNKNOWN]);
    expect(narrow.code, narrow.output).toBe(1);
    expect(narrow.report().baseline!.unchecked.map((e) => e.rule)).toEqual([MODEL]);
    expect(narrow.report().baseline!.stale.map((e) => e.rule)).toEqual([UNKNOWN]);
    // prune drops what the run found stale.
    const pruned = join(dir, 'pruned.json');
    cpSync(all, pruned);
    expect((await cli(undefined, {}, ['baseline', 'prune', '--from', join(stale.reportDir, 'conformance.json'), '--baseline', pruned])).code).toBe(0);
    expect((JSON.parse(readFileSync(pruned, 'utf8')) as Baseline).entries).toEqual([]);

    const expired = write('expired.json', baseline.entries.map((e) => (e.rule === MODEL ? { ...e, expires: '2020-01-01' } : e)));
    const late = await cli(await deviant, { RUNBASE_BASELINE: expired }, ['--rule', BOTH]);
    expect(late.code, late.output).toBe(1);
    expect(late.report().baseline).toMatchObject({ known: 1, new: 1 });
    expect(late.report().rules.find((r) => r.id === MODEL)!.failures.every((f) => f.baseline === 'expired')).toBe(true);

    // A malformed baseline, or one for another contract, is exit 2 with the reason.
    const noReason = write('no-reason.json', baseline.entries.map(({ reason: _, ...e }) => e) as Baseline['entries']);
    const bad = await cli(await deviant, { RUNBASE_BASELINE: noReason }, ['--rule', UNKNOWN]);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('reason is required');
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...baseline, contractVersion: 'another' }));
    const wrongContract = await cli(await deviant, { RUNBASE_BASELINE: other }, ['--rule', UNKNOWN]);
    expect(wrongContract.code).toBe(2);
    expect(wrongContract.output).toContain('made for contract another');
  }, 600_000);
});

describe('finding identity', () => {
  it('one deviant: the same fingerprints under 10 seeds, other RUNBASE_RUNS values and two shard splits', async () => {
    const reference = fingerprints((await cli(await deviant, {}, ['--rule', BOTH])).report(), [UNKNOWN, MODEL]);
    // One deviation per rule, one finding each.
    expect(reference[UNKNOWN]).toHaveLength(1);
    expect(reference[MODEL]).toHaveLength(1);
    for (let seed = 1; seed <= 10; seed++) {
      const run = await cli(await deviant, { RUNBASE_SEED: String(seed * 7919), RUNBASE_RUNS: String(2 + (seed % 4) * 3) }, ['--rule', BOTH]);
      expect(run.code, run.output).toBe(1);
      expect(fingerprints(run.report(), [UNKNOWN, MODEL]), `seed ${seed * 7919}`).toEqual(reference);
    }
    // Each shard of a 2-way and a 3-way split that holds one of the rules.
    for (const count of [2, 3]) {
      for (const index of new Set([UNKNOWN, MODEL].map((id) => shardOfRule(id, count)))) {
        const run = await cli(await deviant, { RUNBASE_SHARD: `${index}/${count}` }, ['--rule', BOTH]);
        expect(run.code, run.output).toBe(1);
        const held = [UNKNOWN, MODEL].filter((id) => shardOfRule(id, count) === index);
        expect(fingerprints(run.report(), held), `shard ${index}/${count}`).toEqual(Object.fromEntries(held.map((id) => [id, reference[id]])));
      }
    }
  }, 600_000);

  it('two deviations of one rule give two different fingerprints', async () => {
    const of = async (name: string) => {
      const run = await cli(await target(deviationByName(name).steps()), {}, ['--rule', 'AUTH-EXPIRED']);
      expect(run.code, run.output).toBe(1);
      return fingerprints(run.report(), ['AUTH-EXPIRED'])['AUTH-EXPIRED']!;
    };
    const accepted = await of('expired-key-accepted');
    const limited = await of('expired-key-rate-limited');
    expect(accepted.length).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    expect(accepted.filter((f) => limited.includes(f))).toEqual([]);
  }, 300_000);
});
