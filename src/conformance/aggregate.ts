// The rules that judge every exchange of the run (envelope, secret echo, 5xx). They run last
// (src/runner/sequencer.ts) so the log holds what every other rule saw.
import type { Check } from '../oracles/types.ts';
import { recordExchange } from './redact.ts';
import type { LoggedExchange } from './session.ts';
import type { RuleRun } from './rule.ts';

/** Judge `entries` with `check`; failures name the rule whose test sent each exchange. */
export function judgeLog(r: RuleRun, entries: readonly LoggedExchange[], check: (entry: LoggedExchange) => ReturnType<Check>): void {
  let judged = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    judged++;
    for (const v of check(entry)) {
      // One failure per distinct (check, message, answer), so a systematic fault reads once.
      const key = `${v.check}|${v.message}|${v.actual}`;
      if (seen.has(key)) continue;
      seen.add(key);
      r.fail({ ...v, exchange: recordExchange(entry.exchange, r.session.secrets), ...(entry.ruleId !== r.rule.id ? { seenIn: entry.ruleId } : {}) });
    }
  }
  r.countCase(judged);
}

export const documentedSurface = (entries: readonly LoggedExchange[]): LoggedExchange[] => entries.filter((e) => !e.undocumentedSurface);
