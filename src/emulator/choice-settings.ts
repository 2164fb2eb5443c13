// The emulator's settings for modelling another target (contracts/emulator.json "choices"): each a
// name with a default, the values it may take and what it does. Given as `{ name: value }` to
// startEmulator, as `--choice name=value` or as a file to `npm run emulator`.
import { readFileSync } from 'node:fs';
import { choices } from './choices.ts';

export type ChoiceValue = string | number | boolean;
export interface ChoiceSpec { default: ChoiceValue; values: ChoiceValue[]; doc: string }
export type ChoiceSettings = Record<string, ChoiceValue>;

export const choiceSpecs: Record<string, ChoiceSpec> = (choices as unknown as { choices: Record<string, ChoiceSpec> }).choices;

/** Every choice at its default. */
export const defaultChoices: ChoiceSettings = Object.fromEntries(Object.entries(choiceSpecs).map(([name, spec]) => [name, spec.default]));

/** The given settings over the defaults; an unknown name or a value the choice does not take is an error naming both. */
export function resolveChoices(given: Record<string, unknown> = {}): ChoiceSettings {
  for (const [name, value] of Object.entries(given)) {
    const spec = choiceSpecs[name];
    if (!spec) throw new Error(`unknown emulator choice '${name}' (choices: ${Object.keys(choiceSpecs).join(', ')})`);
    if (!spec.values.includes(value as ChoiceValue)) throw new Error(`emulator choice '${name}' takes ${spec.values.map(String).join(' | ')}, got '${String(value)}'`);
  }
  return { ...defaultChoices, ...(given as ChoiceSettings) };
}

/** `name=value` as `--choice` takes it: the value is matched against the choice's values as text. */
export function parseChoiceFlag(text: string): [string, ChoiceValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--choice takes NAME=VALUE, got '${text}'`);
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const spec = choiceSpecs[name];
  if (!spec) throw new Error(`unknown emulator choice '${name}' (choices: ${Object.keys(choiceSpecs).join(', ')})`);
  const value = spec.values.find((v) => String(v) === raw);
  if (value === undefined) throw new Error(`emulator choice '${name}' takes ${spec.values.map(String).join(' | ')}, got '${raw}'`);
  return [name, value];
}

/** A choices file: `{ "choices": { name: value } }` (as `npm run compare -- --suggest` writes it) or a bare `{ name: value }`. */
export function readChoicesFile(path: string): ChoiceSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--choices: cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const map = isObject(parsed) && isObject(parsed.choices) ? parsed.choices : parsed;
  if (!isObject(map)) throw new Error(`--choices: ${path} must hold an object of choices`);
  const settings = Object.fromEntries(Object.entries(map).filter(([k]) => !k.startsWith('$')));
  resolveChoices(settings);
  return settings as ChoiceSettings;
}

/** The settings that differ from the defaults, as `--choice` flags. */
export function choiceFlags(settings: ChoiceSettings): string[] {
  return Object.entries(settings).filter(([name, value]) => choiceSpecs[name]?.default !== value).map(([name, value]) => `--choice ${name}=${String(value)}`);
}
