// Targeted runs: RUNBASE_RULES=ID[,ID…] (or `--rule`) runs just those rules. Like a shard, a selection
// registers only its rules (src/conformance/rule.ts) and loads only the suites that hold them; the
// session sets up what they need on first use, as in a full run.
import { contract } from './index.ts';

export class SelectionError extends Error {
  override readonly name = 'SelectionError';
}

/** The selected rule ids, or undefined for every rule; an id not in contracts/rules.json is an error. */
export function parseRuleSelection(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const ids = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  const known = new Set(contract.rules.rules.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw new SelectionError(`unknown rule id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (RUNBASE_RULES / --rule); the ids are in contracts/rules.json`);
  return ids;
}

export const inSelection = (ruleId: string, selection: readonly string[] | undefined): boolean => selection === undefined || selection.includes(ruleId);

/** The suite families that hold the selected rules. */
export function familiesOf(selection: readonly string[]): string[] {
  return [...new Set(contract.rules.rules.filter((r) => selection.includes(r.id)).map((r) => r.family))];
}
