// `npm run compare -- --suggest`: the emulator settings (contracts/emulator.json "choices") that make
// the emulator answer the corpus as the base did. No guessing from text: the corpus is replayed on an
// emulator started in-process on loopback with candidate settings, and a setting is kept when it
// brings the emulator's answers closer to the base's (coordinate descent over the choices, at most two
// passes). Each finding is then either explained (gone with the settings; by the settings without
// which it comes back) or named as one no setting explains.
import { devNull } from 'node:os';
import { loadConfig } from '../settings/index.ts';
import { provisionFixtures, startEmulator } from '../emulator/index.ts';
import { changedChoices, choiceCatalogue, defaultChoices, type ChoiceValue, type OpenChoices } from '../contract/emulator-choices.ts';
import { aspectDistance, aspectsOf, compareContract } from './aspects.ts';
import type { CompareResult, Difference } from './compare.ts';
import type { CorpusItem } from './corpus.ts';
import { openSide } from './send.ts';

type ChoiceSettings = Record<string, ChoiceValue>;

export interface Suggestion {
  /** The settings that differ from the emulator's defaults. */
  settings: ChoiceSettings;
  flags: string[];
  explained: { finding: string; by: string[] }[];
  /** Findings no setting explains. */
  unexplained: string[];
  /** How many times the corpus was replayed on an emulator. */
  replays: number;
}

type Answers = Map<string, Record<string, string> | undefined>;

/** The corpus on a fresh emulator with `settings` (virtual clock, its own fixtures): each item's aspects. */
export async function replayOnEmulator(settings: ChoiceSettings, items: CorpusItem[], allowBillable: boolean): Promise<Answers> {
  const emulator = await startEmulator({ clock: 'virtual', choices: settings as Partial<OpenChoices> });
  try {
    const env = provisionFixtures(emulator.state, { url: emulator.url, adminUrl: emulator.adminUrl, adminToken: emulator.adminToken });
    // Only these settings: no settings file of the user's is read.
    const config = loadConfig({ ...env, RUNBASE_CLOCK: 'virtual', ...(allowBillable ? { RUNBASE_ALLOW_BILLABLE: '1' } : {}) }, { dotenvPath: devNull });
    const side = await openSide('emulator', config);
    try {
      const answers: Answers = new Map();
      for (const item of items) {
        const answer = await side.send(item);
        answers.set(item.id, 'skipped' in answer ? undefined : aspectsOf(answer));
      }
      return answers;
    } finally {
      await side.close();
    }
  } finally {
    await emulator.close();
  }
}

const aspectNames = () => compareContract.aspects.map((a) => a.name);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A setting as `npm run emulator` takes it: `--choice name=value` (an order as a comma list). */
export const choiceFlag = (name: string, value: ChoiceValue) => `--choice ${name}=${Array.isArray(value) ? value.join(',') : String(value)}`;

/** The settings as a file `npm run emulator -- --choices FILE` reads: contracts/emulator.json's form. */
export function choicesFileText(settings: ChoiceSettings, comment: string): string {
  return `${JSON.stringify({ $comment: comment, choices: Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, { default: value }])) }, null, 2)}\n`;
}

export async function suggestChoices(result: CompareResult, opts: { allowBillable: boolean }): Promise<Suggestion> {
  const judged = result.items.filter((i) => !i.skipped);
  const base = new Map(judged.map((i) => [i.id, aspectsOf(i.base!)]));
  const items = judged.map((i) => i.item);
  const noisy = new Map(judged.map((i) => [i.id, i.noisy]));
  let replays = 0;
  const replay = (settings: ChoiceSettings) => { replays++; return replayOnEmulator(settings, items, opts.allowBillable); };
  const differencesOf = (answers: Answers, id: string): Difference[] => {
    const [b, e] = [base.get(id)!, answers.get(id)];
    if (!e) return aspectNames().map((a) => ({ aspect: a, base: b[a]!, candidate: '<not sent>' }));
    return aspectNames().filter((a) => !noisy.get(id)!.includes(a) && b[a] !== e[a]).map((a) => ({ aspect: a, base: b[a]!, candidate: e[a]! }));
  };
  const distance = (answers: Answers) => judged.reduce((sum, i) => sum + differencesOf(answers, i.id).reduce((s, d) => s + (d.candidate === '<not sent>' ? 100 : aspectDistance(d.aspect, d.base, d.candidate)), 0), 0);

  const defaults = defaultChoices() as unknown as ChoiceSettings;
  let settings: ChoiceSettings = { ...defaults };
  let best = distance(await replay(settings));
  for (let pass = 0; pass < 2 && best > 0; pass++) {
    let improved = false;
    for (const spec of choiceCatalogue()) {
      const name = spec.name;
      let pick: { value: ChoiceValue; distance: number } | undefined;
      for (const value of spec.values.filter((v) => !same(v, settings[name]))) {
        const d = distance(await replay({ ...settings, [name]: value }));
        if (d < (pick?.distance ?? best)) pick = { value, distance: d };
      }
      if (pick) {
        settings = { ...settings, [name]: pick.value };
        best = pick.distance;
        improved = true;
      }
    }
    if (!improved) break;
  }

  const chosen = Object.keys(changedChoices(settings as unknown as OpenChoices));
  // Gone: on every request that showed it, every aspect it concerns matches the base.
  const gone = (answers: Answers, f: CompareResult['findings'][number]) => f.items.every((i) => !differencesOf(answers, i.id).some((d) => f.aspects.includes(d.aspect)));
  const final = await replay(settings);
  const explainedFindings = result.findings.filter((f) => gone(final, f));
  // Which settings each explained finding needs: those without which it comes back.
  const by = new Map<string, string[]>(explainedFindings.map((f) => [f.id, []]));
  for (const name of chosen) {
    const without = await replay({ ...settings, [name]: defaults[name]! });
    for (const f of explainedFindings) if (!gone(without, f)) by.get(f.id)!.push(name);
  }
  return {
    settings: Object.fromEntries(chosen.map((name) => [name, settings[name]!])),
    flags: chosen.map((name) => choiceFlag(name, settings[name]!)),
    explained: explainedFindings.map((f) => ({ finding: f.id, by: by.get(f.id)! })),
    unexplained: result.findings.filter((f) => !gone(final, f)).map((f) => f.id),
    replays,
  };
}
