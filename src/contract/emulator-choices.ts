// The emulator's choices on undocumented points, read from contracts/emulator.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractsDir } from './index.ts';

export interface UndocumentedError { status: number; code: string; message: string }

export interface EmulatorChoices {
  precedence: string[];
  bodyLimitBytes: number;
  drainLimitBytes: number;
  lifecycleMs: { processingAfter: number; terminalAfter: number };
  runRetention: { maxRuns: number; maxAgeMs: number };
  runIdRandomChars: number;
  keyRandomChars: number;
  requestTimeoutMs: number;
  /** Headers must be complete within this; checked every connectionsCheckingIntervalMs. */
  headersTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
  keepAliveTimeoutMs: number;
  outputHost: string;
  undocumentedErrors: Record<'routeNotFound' | 'methodNotAllowed' | 'payloadTooLarge' | 'internalError' | 'headersTooLarge' | 'malformedRequest' | 'requestTimeout', UndocumentedError> & { runFailed: { code: string; message: string } };
  messages: Record<string, string>;
  /** The one request media type a create accepts; any other, or none, is `400 invalid_json`. */
  jsonMediaType: string;
  exampleRun: { id: string; model: string };
  fixtures: { poolSize: number; accountBalanceMicroUsd: number; lowBalanceMicroUsd: number; spendLimitCents: number; ipRestrictedWhitelist: string[]; usageQuota: number };
}

export const choices: EmulatorChoices = JSON.parse(readFileSync(join(contractsDir, 'emulator.json'), 'utf8')) as EmulatorChoices;
