// What `npm run test:self` needs beyond node_modules, checked before any test starts: a missing one
// makes its tests skip (with the reason) on a developer's machine, and fails the run at once with
// CI=true, where .ci/run installs them all, instead of after minutes of other tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Prerequisite { name: string; neededBy: string; missing: () => string | undefined }

const runs = (cmd: string, args: string[]): string | undefined => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return r.error ? `${cmd} not found on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` : r.status !== 0 ? `${cmd} ${args.join(' ')} exited ${r.status}` : undefined;
};

/** The Chromium the HTML report is rendered in (CHROMIUM_PATH, else Debian's). */
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env): string => env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function prerequisites(root: string, env: NodeJS.ProcessEnv = process.env): Prerequisite[] {
  return [
    { name: 'curl', neededBy: 'test/proofs/reproduce.test.ts (runs the printed curl reproductions)', missing: () => runs('curl', ['--version']) },
    { name: 'bash', neededBy: 'test/proofs/reproduce.test.ts, test/proofs/docs-examples.test.ts', missing: () => runs('bash', ['-c', 'true']) },
    { name: 'sh', neededBy: 'test/proofs/reproduce.test.ts (POSIX sh)', missing: () => runs('sh', ['-c', 'true']) },
    { name: 'Chromium', neededBy: 'test/report.test.ts (renders the HTML report)', missing: () => (existsSync(chromiumPath(env)) ? undefined : `no Chromium at ${chromiumPath(env)} (set CHROMIUM_PATH, or apt-get install chromium)`) },
    {
      name: 'Java 17+', neededBy: 'test/proofs/interop.test.ts (Specmatic)', missing: () => {
        const java = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 10_000 });
        if (java.error || java.status !== 0) return 'java not found on PATH (apt-get install openjdk-17-jre-headless)';
        const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
        return major >= 17 ? undefined : `Java 17+ needed, found ${java.stderr.split('\n')[0]}`;
      },
    },
    { name: 'specmatic, prism, dredd', neededBy: 'test/proofs/interop.test.ts', missing: () => {
      const absent = [['specmatic', 'specmatic/specmatic.jar'], ['prism', '.bin/prism'], ['dredd', '.bin/dredd']].filter(([, f]) => !existsSync(join(root, 'node_modules', f!))).map(([n]) => n);
      return absent.length ? `${absent.join(', ')} not installed (npm ci)` : undefined;
    } },
  ];
}

/** Each missing prerequisite as a line naming it, what needs it and why it is missing. */
export function missingPrerequisites(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return prerequisites(root, env).flatMap((p) => {
    const why = p.missing();
    return why ? [`${p.name} (for ${p.neededBy}): ${why}`] : [];
  });
}
