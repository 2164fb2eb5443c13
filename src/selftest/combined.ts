// A deviant with several deviations at once: each one's replaced steps over the faithful table.
// Deviations that replace the same step cannot be combined (the later one would hide the earlier).
import { faithfulSteps, type Step } from '../emulator/index.ts';
import { deviationByName } from './deviations.ts';

export function combinedSteps(...names: string[]): Step[] {
  const tables = names.map((n) => deviationByName(n).steps());
  return faithfulSteps.map((step, i) => {
    const changed = tables.filter((t) => t[i] !== step);
    if (changed.length > 1) throw new Error(`deviations ${names.join(', ')} change the same step ${step.name}`);
    return changed[0]?.[i] ?? step;
  });
}
