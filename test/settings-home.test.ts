// Settings have one home: src/settings is the only reader of RUNBASE_* and of the settings file, and
// nothing hands settings on by writing process.env (the run provides the typed settings instead).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..');

/** A read of a RUNBASE_* variable, or of the settings file's name, from an environment object. */
const READ = /\b(?:env|process\.env)\s*(?:\?\.|\.)\s*RUNBASE_[A-Z_]+|\b(?:env|process\.env)\s*\[\s*['"`]RUNBASE_|RUNBASE_ENV_FILE\s*\?\?/;
/** A write into process.env (assignment, Object.assign, delete). */
const WRITE = /process\.env(?:\.[A-Za-z_]+|\[[^\]]+\])\s*(?:=(?!=)|\?\?=)|Object\.assign\(\s*process\.env|delete\s+process\.env/;

/** Lines of `text` that read settings or write the environment. */
export function offences(text: string): { reads: string[]; writes: string[] } {
  const lines = text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l));
  return { reads: lines.filter((l) => READ.test(l)), writes: lines.filter((l) => WRITE.test(l)) };
}

// A library switch for this process's own Pact, not a setting handed to another part.
const PACT_SWITCH = /process\.env\.PACT_DO_NOT_TRACK = 'true'/;
// The mutation matrix's runner process runs one whole `npm test` per job: each job's environment is the process's.
const JOB_ENVIRONMENT = 'src/selftest/cli-runner.ts';

function sources(): string[] {
  return readdirSync(join(repoRoot, 'src'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name))
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)));
}

describe('settings have one home', () => {
  it('reads RUNBASE_* and the settings file in src/settings only', () => {
    const found = sources().filter((f) => !f.startsWith('src/settings/')).flatMap((f) => offences(readFileSync(join(repoRoot, f), 'utf8')).reads.map((l) => `${f}: ${l.trim()}`));
    expect(found).toEqual([]);
  });

  it('never writes process.env to hand settings on', () => {
    const found = sources().filter((f) => f !== JOB_ENVIRONMENT).flatMap((f) => offences(readFileSync(join(repoRoot, f), 'utf8')).writes.filter((l) => !PACT_SWITCH.test(l)).map((l) => `${f}: ${l.trim()}`));
    expect(found).toEqual([]);
  });

  it('catches a read and a write', () => {
    expect(offences("const n = process.env.RUNBASE_RUNS;\nconst f = env.RUNBASE_ENV_FILE ?? '.env';\nconst s = env['RUNBASE_SEED'];\nconst t = env?.RUNBASE_X;").reads).toHaveLength(4);
    expect(offences("process.env.RUNBASE_PROGRESS_FILE = f;\nObject.assign(process.env, x);\ndelete process.env[k];\nif (process.env.X === 'y') {}").writes).toHaveLength(3);
    expect(offences("const child = { RUNBASE_SEED: '1', ...env };").reads).toEqual([]);
  });
});
