// The rules that judge every exchange of the run (envelope, secret echo, 5xx). They run last
// (src/runner/sequencer.ts) so the log holds what every other rule saw.
import type { Check } from '../oracles/types.ts';
import { recordExchange } from '../verdicts/redact.ts';
import type { LoggedExchange } from './session.ts';
import type { RuleRun } from './rule.ts';

/** Judge the entries `applies` selects with `check`; failures name the rule whose test sent each
 * exchange. The rule's cases are the exchanges judged, and a note says how many were its own. */
export function judgeLog(
  r: RuleRun, entries: readonly LoggedExchange[], check: (entry: LoggedExchange) => ReturnType<Check>,
  applies: (entry: LoggedExchange) => boolean = () => true,
): void {
  let judged = 0;
  let own = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!applies(entry)) continue;
    judged++;
    if (entry.ruleId === r.rule.id) own++;
    for (const v of check(entry)) {
      // One failure per distinct (check, message, answer), so a systematic fault reads once.
      const key = `${v.check}|${v.message}|${v.actual}`;
      if (seen.has(key)) continue;
      seen.add(key);
      r.fail({ ...v, exchange: recordExchange(entry.exchange, r.session.secrets), ...(entry.ruleId !== r.rule.id ? { seenIn: entry.ruleId } : {}) });
    }
  }
  r.countCase(judged);
  r.note(`judged ${judged} exchanges of the run's log, ${own} of them sent by this rule`);
}

export const documentedSurface = (entries: readonly LoggedExchange[]): LoggedExchange[] => entries.filter((e) => !e.undocumentedSurface);
