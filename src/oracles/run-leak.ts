// A run that is not the caller's must not come back, whatever the path that asked for it. How a target
// answers an unusual path is undocumented (404, 400, a redirect…); handing over the run is the one
// answer that breaks the documented ownership rule ("no run with this ID for your account").
import type { Exchange } from '../contract/exchange.ts';
import { describeAnswer } from './error-answer.ts';
import { violation, type Violation } from './types.ts';

/** RUN-OTHER-ACCOUNT over path variants: the answer is not run `runId` (no object with its id, no success naming it). */
export function runNotDisclosed(exchange: Exchange, runId: string): Violation[] {
  const { status, json, bodyText } = exchange.response;
  const asObject = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const leaked = asObject?.id === runId || (status >= 200 && status < 300 && bodyText.includes(runId));
  return leaked ? violation('runNotDisclosed', "another account's run was handed over", 'anything but that run', describeAnswer(exchange)) : [];
}
