// The GitHub Actions jobs in docs/github-actions: a job that publishes JUnit results as a check run
// (mikepenz/action-junit-report) needs `checks: write`, or GitHub refuses the check with "Resource not
// accessible by integration" on repositories whose default token is read-only.
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
});
