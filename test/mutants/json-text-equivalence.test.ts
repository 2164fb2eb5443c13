// The JSON reader's survivors triaged "equivalent" are proven so: none rejects valid JSON or throws.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMutants } from './json-text-equivalence.ts';
import { mutantsDir } from './triage.ts';
import { repoRoot } from '../helpers.ts';

const script = join(mutantsDir, 'json-text-equivalence.ts');
const TIMEOUT_MS = 120_000;

describe('the JSON reader\'s equivalent survivors', () => {
  it('each accepts at least every valid JSON text, so JSON.parse decides as before (its own process, bounded)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    // A mutant that loops forever on some text ends here, named by the line after the last one printed.
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const broken = output.split('\n').filter((l) => l.includes('"problem"'));
    expect(broken, output.slice(-2000)).toEqual([]);
    expect(code, output.slice(-2000)).toBe(0);
  }, TIMEOUT_MS + 10_000);

  it('the check catches a mutant that rejects valid JSON (TAB not whitespace) and one that throws', async () => {
    const base = { file: 'src/emulator/json-text.ts', mutator: 'test', kind: 'equivalent' as const, reason: 'test' };
    // isWs's last alternative, `c === 0x09`, made false; then skipWs reading past a missing method.
    const checks = await checkMutants([
      { ...base, line: 10, column: 71, endLine: 10, endColumn: 81, replacement: 'false' },
      { ...base, line: 23, column: 3, endLine: 23, endColumn: 46, replacement: 'while (i < n && isWs(s.charCodeAt(i))) (i as never as { x(): void }).x();' },
    ]);
    expect(checks[0]!.problem).toMatch(/^rejects valid JSON/);
    expect(checks[1]!.problem).toMatch(/^throws /);
  });
});
