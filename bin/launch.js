// The installed commands (package.json `bin`) run the TypeScript CLIs in src/cli with tsx, from
// wherever the package is installed: a child node with tsx's loader (so vitest's worker processes
// inherit it), the user's arguments, working directory and environment, and its exit code.
// A stop reaches the child however the user sends it: SIGINT, SIGTERM and SIGHUP to this process are
// passed on, and so is the end of the parent. `npx` runs this command under `sh -c`, which a SIGTERM to
// npx's PID kills, leaving this process to PID 1; then nobody would ever stop the child.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const PARENT_CHECK_MS = 100;

export function launch(cli) {
  const script = fileURLToPath(new URL(`../src/cli/${cli}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      child.kill('SIGTERM');
    }
  }, PARENT_CHECK_MS);
  child.on('error', (error) => {
    console.error(`error: could not start ${cli}: ${error.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : 2));
  });
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
