import { configDefaults, defineConfig } from 'vitest/config';
import { ConformanceSequencer } from './src/runner/sequencer.ts';
import { DEFAULTS } from './src/settings/index.ts';

// Three projects: `conformance` is the product (suites/, run by `npm test` through src/cli/run.ts),
// `self` is the project's own fast tests (`npm run test:self`), `network` its real-time proofs
// (`npm run test:network`: latency proxies, the one-key Pact run, the emulator in real time).
export default defineConfig({
  test: {
    env: { PACT_DO_NOT_TRACK: 'true' },
    sequence: { sequencer: ConformanceSequencer },
    projects: [
      {
        test: {
          name: 'conformance',
          // One entry file loads suites/*.test.ts, so rules of every family can run at the same time.
          include: ['src/runner/rules.entry.ts'],
          globalSetup: ['src/runner/global-setup.ts'],
          // One worker, one module graph: the scheduler that keeps every key within its rate limit
          // is shared by all rules, and the envelope rules read every exchange the run saw.
          pool: 'forks',
          maxWorkers: 1,
          isolate: false,
          fileParallelism: false,
          // Rules that run at the same time: the run sets RUNBASE_CONCURRENCY's value (src/runner/main.ts);
          // the scheduler paces them all.
          maxConcurrency: DEFAULTS.concurrency,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'self',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // The real-time proofs are their own project (`npm run test:network`).
          exclude: [...configDefaults.exclude, 'test/network/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Three files at once on two cores (vitest's default is one fewer than the CPUs): several
          // spend part of their time waiting on child processes and timeouts, not on the CPU.
          maxWorkers: 3,
          maxConcurrency: 10,
        },
      },
      {
        test: {
          name: 'network',
          include: ['test/network/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 60_000,
          // They wait on the documented rate limit, not on the CPU, and test/network/latency.test.ts
          // starts all its runs together.
          maxWorkers: 3,
          maxConcurrency: 10,
        },
      },
    ],
  },
});
