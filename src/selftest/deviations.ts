// Deliberately broken emulators, for proving the suite's verdicts: each deviation is the faithful
// step table with one step replaced, and names the rule ids that must catch it. The faithful
// emulator's request path has no switches; a deviation is a different table.
import { faithfulSteps, steps, errorAnswer, type Answer, type Step } from '../emulator/index.ts';
import { normaliseIp } from '../emulator/state.ts';

export interface Deviation {
  name: string;
  description: string;
  /** Rule ids that must fail (gate) against this deviation. */
  caughtBy: string[];
  steps: () => Step[];
}

/** The faithful table with the step called `name` swapped for `replacement`. */
export function replaceStep(name: string, replacement: Step): Step[] {
  if (!faithfulSteps.some((s) => s.name === name)) throw new Error(`no step ${name}`);
  return faithfulSteps.map((s) => (s.name === name ? replacement : s));
}

/** The faithful table with the answers of step `name` rewritten. */
export function rewriteStep(name: string, rewrite: (answer: Answer, ctx: Parameters<Step['run']>[0]) => Answer): Step[] {
  const original = faithfulSteps.find((s) => s.name === name)!;
  return replaceStep(name, { ...original, run: (ctx) => { const a = original.run(ctx); return a && rewrite(a, ctx); } });
}

export const deviations: Deviation[] = [
  {
    name: 'disabled-key-accepted',
    description: 'a disabled key is let through (only expiry is checked)',
    caughtBy: ['AUTH-DISABLED', 'PACT-INVALID-API-KEY'],
    steps: () => replaceStep('keyActive', { name: 'keyActive', run: (ctx) => (ctx.key!.expiresAt !== null && ctx.key!.expiresAt <= ctx.state.clock.now() ? errorAnswer('invalid_api_key') : undefined) }),
  },
  {
    name: 'forwarded-for-honoured',
    description: 'X-Forwarded-For is trusted as the caller address for the IP whitelist',
    caughtBy: ['IP-SPOOF'],
    steps: () => replaceStep('ipWhitelist', {
      name: 'ipWhitelist',
      run: (ctx) => {
        const claimed = ctx.call.headers['x-forwarded-for']?.split(',')[0]?.trim() ?? ctx.call.remoteAddress;
        const list = ctx.key!.ipWhitelist.map(normaliseIp);
        return list.length === 0 || list.includes(normaliseIp(claimed)) ? undefined : errorAnswer('ip_not_allowed');
      },
    }),
  },
  {
    name: 'key-echoed-in-message',
    description: 'invalid_api_key names the key it refused',
    caughtBy: ['SEC-NO-SECRET-ECHO'],
    steps: () => rewriteStep('keyActive', (answer, ctx) => ({ ...answer, body: { error: { message: `The API key ${ctx.token} is invalid, disabled, or expired.`, code: 'invalid_api_key' } } })),
  },
  {
    name: 'other-account-run-readable',
    description: 'a run is visible to every account',
    caughtBy: ['RUN-OTHER-ACCOUNT'],
    steps: () => replaceStep('lookupRun', {
      ...steps.lookupRun,
      run: (ctx) => {
        const run = ctx.state.run(ctx.runId!);
        if (!run) return errorAnswer('run_not_found');
        return steps.lookupRun.run({ ...ctx, key: { ...ctx.key!, accountId: run.accountId } });
      },
    }),
  },
];

export function deviationByName(name: string): Deviation {
  const found = deviations.find((d) => d.name === name);
  if (!found) throw new Error(`no deviation ${name}; known: ${deviations.map((d) => d.name).join(', ')}`);
  return found;
}
