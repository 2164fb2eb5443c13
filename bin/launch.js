// The installed commands (package.json `bin`) run the TypeScript CLIs in src/cli with tsx, from
// wherever the package is installed: a child node with tsx's loader (so vitest's worker processes
// inherit it), the user's arguments, working directory and environment, and its exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function launch(cli) {
  const script = fileURLToPath(new URL(`../src/cli/${cli}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`error: could not start ${cli}: ${error.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 2)));
}
