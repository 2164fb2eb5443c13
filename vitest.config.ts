import { configDefaults, defineConfig } from 'vitest/config';
import { ConformanceSequencer } from './src/runner/sequencer.ts';
import { DEFAULTS } from './src/settings/index.ts';

// Four projects: `conformance` is the product (suites/, run by `npm test` through src/cli/run.ts),
// `self` is the project's own fast tests (`npm run test:self`, the inner loop), `proofs` the proofs
// that run the whole suite many times (`npm run test:proofs`: deviant matrices, every emulator choice,
// hostile targets, signals, interop), `network` its real-time proofs (`npm run test:network`: latency
// proxies, the one-key Pact run, the emulator in real time).
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
          // The whole-run and real-time proofs are their own projects.
          exclude: [...configDefaults.exclude, 'test/proofs/**', 'test/network/**'],
          // Prerequisites first (fails in seconds with CI=true), and the clone's reports/ left untouched.
          globalSetup: ['test/global-setup.ts'],
          // Limits, not measurements: several files start whole runs in their hooks, three files at once.
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Three files at once on two cores (vitest's default is one fewer than the CPUs): several
          // spend part of their time waiting on child processes and timeouts, not on the CPU.
          maxWorkers: 3,
          maxConcurrency: 10,
        },
      },
      {
        test: {
          name: 'proofs',
          include: ['test/proofs/**/*.test.ts'],
          // The same prerequisites check: the interop proofs need Java, the reproductions curl.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 180_000,
          // Most of their time is child processes and timeouts, not this worker's CPU.
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
