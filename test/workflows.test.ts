// The GitHub Actions jobs in docs/github-actions, as a platform team would ship them: a job that
// publishes JUnit results as a check run (mikepenz/action-junit-report) needs `checks: write`, or GitHub
// refuses the check with "Resource not accessible by integration" on repositories whose default token
// is read-only; the suite's runtime install only; one pinned suite revision; one run at a time per key
// set; a timeout on every job; the Pact Broker settings wired into the run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', 'docs', 'github-actions');

/** The top-level `permissions:` block of a workflow, as `name: value` lines (none: empty). */
function topLevelPermissions(text: string): Map<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^permissions:\s*(#.*)?$/.test(l));
  const out = new Map<string, string>();
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^\s+([a-z-]+):\s*([a-z-]+)/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Each job under `jobs:`, by name, with its lines. */
function jobsOf(text: string): Map<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^jobs:\s*$/.test(l));
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const job = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (job) { current = job[1]!; out.set(current, ''); continue; }
    if (current) out.set(current, `${out.get(current)}${line}\n`);
  }
  return out;
}

/** The lines of the step whose `run:` starts the suite (npm test), with its `env:`. */
function suiteStep(job: string): string | undefined {
  return job.split(/\n(?= {6}- )/).find((step) => /\n\s+run: npm test\b/.test(step));
}

describe('docs/github-actions workflows', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
  it('has the two documented workflows', () => {
    expect(files.sort()).toEqual(['runbase-conformance-sharded.yml', 'runbase-conformance.yml']);
  });
  for (const file of files) {
    it(`${file}: publishing JUnit results comes with permissions checks: write and contents: read`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).toMatch(/action-junit-report/);
      const permissions = topLevelPermissions(text);
      expect(permissions.get('checks')).toBe('write');
      expect(permissions.get('contents')).toBe('read');
    });
  }

  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const jobs = jobsOf(text);

    it(`${file}: one run at a time per key set, none cancelled mid-gate`, () => {
      const block = /^concurrency:\s*\n((?: {2}.*\n)+)/m.exec(text)?.[1] ?? '';
      expect(block).toMatch(/^ {2}group: \S*\$\{\{ vars\.RUNBASE_KEY_SET\b/m);
      expect(block).toMatch(/^ {2}cancel-in-progress: false\b/m);
    });

    it(`${file}: every job has a timeout`, () => {
      expect(jobs.size).toBeGreaterThan(0);
      for (const [name, job] of jobs) expect({ name, timeout: /^ {4}timeout-minutes: \d+/m.test(job) }).toEqual({ name, timeout: true });
    });

    it(`${file}: installs the suite's runtime dependencies only`, () => {
      const installs = text.split('\n').filter((l) => /\bnpm (ci|install|i)\b/.test(l) && !/^\s*#/.test(l));
      expect(installs.length).toBeGreaterThan(0);
      for (const line of installs) expect(line).toMatch(/--omit=dev\b/);
    });

    it(`${file}: checks out one pinned revision of the suite in every job`, () => {
      const refs: string[] = [];
      for (const [name, job] of jobs) {
        const checkout = /uses: actions\/checkout@\S+\n(?: {8}.*\n| {10}.*\n)*/.exec(job)?.[0] ?? '';
        const ref = /^ {10}ref: (\S+)/m.exec(checkout)?.[1];
        expect({ name, pinned: ref !== undefined && !['main', 'master', 'HEAD'].includes(ref) }).toEqual({ name, pinned: true });
        refs.push(ref!);
      }
      expect(new Set(refs).size).toBe(1);
    });

    it(`${file}: wires the Pact Broker settings into the run`, () => {
      const steps = [...jobs.values()].map(suiteStep).filter((s): s is string => s !== undefined);
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) for (const name of ['PACT_BROKER_BASE_URL', 'PACT_BROKER_TOKEN', 'PACT_PROVIDER_VERSION', 'PACT_PROVIDER_BRANCH']) expect(step).toMatch(new RegExp(`^ {10}${name}: \\$\\{\\{`, 'm'));
      expect(steps.join('')).toMatch(/PACT_BROKER_TOKEN: \$\{\{ secrets\./);
    });
  }
});
