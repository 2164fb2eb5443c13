// The emulator's choices on undocumented points, read from contracts/emulator.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractsDir } from './index.ts';

export interface UndocumentedError { status: number; code: string; message: string }

/** A value of an open choice: a name, a status, a switch, or (precedence) an order of step names. */
export type ChoiceValue = string | number | boolean | string[];

/** One open point of runbase-api.md §7 as a switch: its default, every value it takes, the point it models. */
export interface ChoiceSpec { default: ChoiceValue; values: ChoiceValue[]; doc: string }

export interface EmulatorChoices {
  /** The emulator's switches on the points the docs leave open; the defaults are the reference emulator. */
  choices: Record<ChoiceName, ChoiceSpec>;
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
  undocumentedErrors: Record<'routeNotFound' | 'methodNotAllowed' | 'payloadTooLarge' | 'unsupportedMediaType' | 'internalError' | 'headersTooLarge' | 'malformedRequest' | 'requestTimeout', UndocumentedError> & { runFailed: { code: string; message: string } };
  messages: Record<string, string>;
  /** The one request media type a create accepts; any other, or none, is `400 invalid_json`. */
  jsonMediaType: string;
  exampleRun: { id: string; model: string };
  fixtures: { poolSize: number; accountBalanceMicroUsd: number; lowBalanceMicroUsd: number; spendLimitCents: number; ipRestrictedWhitelist: string[]; usageQuota: number };
}

export const choices: EmulatorChoices = JSON.parse(readFileSync(join(contractsDir, 'emulator.json'), 'utf8')) as EmulatorChoices;

/** The open choices, each with the type of its values. */
export interface OpenChoices {
  /** Step names in check order; `a | b` names steps on separate routes. */
  precedence: string[];
  rateWindow: 'sliding' | 'fixed-first-request' | 'fixed-wall-clock';
  rejectedCount: boolean;
  unknownRouteStatus: number;
  wrongMethod: number;
  bodyLimit: number | 'none';
  contentType: 'invalid_json' | 'lenient' | number;
  noSkPrefix: 'missing_api_key' | 'invalid_api_key';
  bearerCase: 'insensitive' | 'sensitive';
  envelopeExtras: 'none' | 'top-level' | 'inside-error';
  runIdFormat: 'base62' | 'uuid';
  runVisibility: 'account' | 'key';
  balanceEqualCost: 'allowed' | 'refused';
  spendCap: 'blocks-next' | 'blocks-crossing';
  /** Response extras (extras.ts): what another target adds to the documented answers. */
  errorStatusField: boolean;
  runObjectField: boolean;
  createdAtOnCreate: boolean;
  retryAfterOn429: boolean;
}
export type ChoiceName = keyof OpenChoices;

/** Every open choice with its default, its values and the §7 point it models, in contract order. */
export function choiceCatalogue(): { name: ChoiceName; default: ChoiceValue; values: ChoiceValue[]; doc: string }[] {
  return (Object.entries(choices.choices) as [ChoiceName, ChoiceSpec][]).map(([name, spec]) => ({ name, ...spec }));
}

export const defaultChoices = (): OpenChoices => Object.fromEntries(choiceCatalogue().map((c) => [c.name, c.default])) as unknown as OpenChoices;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const stepNames = (order: readonly string[]) => order.flatMap((e) => e.split('|').map((n) => n.trim())).sort();

/**
 * Is `value` one the choice takes? A listed value; for precedence any order of the same step names;
 * for a status choice whose values are all statuses, any HTTP status (another target's answer to model).
 */
function accepts(spec: ChoiceSpec, value: unknown): boolean {
  if (spec.values.some((v) => same(v, value))) return true;
  if (Array.isArray(spec.default)) return Array.isArray(value) && value.every((n) => typeof n === 'string') && same(stepNames(value), stepNames(spec.default));
  const statuses = spec.values.every((v) => typeof v === 'number');
  return statuses && Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599;
}

/** The defaults with `overrides` applied; an unknown name or a value the choice does not take throws, naming what it takes. */
export function resolveChoices(overrides: Record<string, unknown> = {}): OpenChoices {
  const out = defaultChoices() as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides)) {
    const spec = (choices.choices as Record<string, ChoiceSpec>)[name];
    if (!spec) throw new Error(`no emulator choice '${name}'; the choices: ${Object.keys(choices.choices).join(', ')}`);
    if (!accepts(spec, value)) throw new Error(`emulator choice ${name} takes ${spec.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out as unknown as OpenChoices;
}

/** A value as written after `--choice name=`: JSON where it parses (numbers, booleans, arrays), a comma list for precedence, else the text. */
export function parseChoiceText(name: string, text: string): ChoiceValue {
  if (name === 'precedence' && !text.trim().startsWith('[')) return text.split(',').map((s) => s.trim());
  try { return JSON.parse(text) as ChoiceValue; } catch { return text; }
}

/** `--choice name=value` entries as an overrides object. */
export function parseChoiceArgs(entries: readonly string[]): Record<string, ChoiceValue> {
  const out: Record<string, ChoiceValue> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`--choice takes name=value, got '${entry}'`);
    const name = entry.slice(0, eq).trim();
    out[name] = parseChoiceText(name, entry.slice(eq + 1));
  }
  return out;
}

/** A choices file: `{ "name": value }`, or emulator.json's form `{ "choices": { "name": { "default": value } } }`. */
export function choicesFromJson(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('a choices file holds a JSON object');
  const section = (data as { choices?: unknown }).choices;
  if (typeof section === 'object' && section !== null && !Array.isArray(section)) {
    return Object.fromEntries(Object.entries(section).map(([name, spec]) => {
      if (typeof spec !== 'object' || spec === null || !('default' in spec)) throw new Error(`choices.${name} needs a "default"`);
      return [name, (spec as { default: unknown }).default];
    }));
  }
  return data as Record<string, unknown>;
}

/** The choices whose value differs from the default, for a banner or a report. */
export function changedChoices(resolved: OpenChoices): Partial<OpenChoices> {
  const defaults = defaultChoices();
  return Object.fromEntries(Object.entries(resolved).filter(([k, v]) => !same(v, defaults[k as ChoiceName]))) as Partial<OpenChoices>;
}
