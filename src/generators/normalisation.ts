// Values that differ from a valid one only by whitespace or letter case: bait for a target that
// trims or case-folds before it looks a value up, and so accepts what the contract does not name.
// Plain data; nothing here knows of HTTP.
import fc from 'fast-check';
import type { JsonSchema, ModelEntry } from '../contract/index.ts';
import { validInput } from './inputs.ts';

/** Whitespace a trim (String.prototype.trim, Python's str.strip, Go's strings.TrimSpace) removes. */
const PADDING = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2003', '\u000b', '\u000c'] as const;

/** `value` with whitespace before it, after it, or both; never `value` itself. */
export function whitespacePadded(value: string): fc.Arbitrary<string> {
  const pad = fc.constantFrom(...PADDING);
  return fc.oneof(
    pad.map((p) => `${p}${value}`),
    pad.map((p) => `${value}${p}`),
    fc.tuple(pad, pad).map(([a, b]) => `${a}${value}${b}`),
  );
}

/** `value` with its letter case changed (all upper, all lower, first letter, swapped); never `value` itself. */
export function caseChanged(value: string): fc.Arbitrary<string> {
  const swap = (s: string) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  const forms = [value.toUpperCase(), value.toLowerCase(), value.charAt(0).toUpperCase() + value.slice(1), swap(value)].filter((v) => v !== value);
  if (forms.length === 0) throw new RangeError(`${JSON.stringify(value)} has no letters whose case could change`);
  return fc.constantFrom(...new Set(forms));
}

/**
 * A known model id with whitespace around it or around its "/", its letters untouched: it names no
 * model (documented model_not_found), and only a target that trims would accept it. Case is left
 * alone on purpose: whether model ids are case-sensitive is undocumented (BR-MODEL-CASE observes it).
 */
export function paddedModelId(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  const ids = models.map((m) => m.id);
  const aroundSlash = fc.tuple(fc.constantFrom(...ids), fc.constantFrom(' ', '\t', '\u00a0')).map(([id, p]) => id.replace('/', `${p}/${p}`));
  return fc.oneof(fc.constantFrom(...ids).chain(whitespacePadded), aroundSlash).filter((v) => !ids.includes(v));
}

/** `{ model, input }` with a padded model id and an input valid for that model. */
export function paddedModelBody(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  return fc.constantFrom(...models).chain((m) =>
    fc.tuple(paddedModelId([m]), validInput(m)).map(([model, input]) => JSON.stringify({ model, input })));
}

const enumFields = (model: ModelEntry): [string, string[]][] =>
  Object.entries(model.input.properties ?? {}).filter((e): e is [string, JsonSchema & { enum: string[] }] => Array.isArray(e[1].enum)).map(([n, s]) => [n, s.enum]);

/** A model input valid but for one enum field, whose value is a documented one padded or with its case changed. */
export function enumNormalisationBait(model: ModelEntry): fc.Arbitrary<{ input: Record<string, unknown>; field: string; value: string }> | undefined {
  const fields = enumFields(model);
  const variants = fields.flatMap(([field, values]) => values.map((v) => ({ field, values, v })));
  const withLetters = variants.filter(({ v, values }) => /[a-z]/i.test(v) && [v.toUpperCase(), v.toLowerCase()].some((c) => c !== v && !values.includes(c)));
  if (variants.length === 0) return undefined;
  const bait = fc.oneof(
    fc.constantFrom(...variants).chain(({ field, v }) => whitespacePadded(v).map((value) => ({ field, value }))),
    ...(withLetters.length ? [fc.constantFrom(...withLetters).chain(({ field, v, values }) => caseChanged(v).filter((c) => !values.includes(c)).map((value) => ({ field, value })))] : []),
  );
  return fc.tuple(validInput(model), bait).map(([input, { field, value }]) => ({ input: { ...input, [field]: value }, field, value }));
}

/** `{ model, input }` for any model with enum fields, one enum value padded or case-changed. */
export function enumNormalisationBody(models: readonly ModelEntry[]): fc.Arbitrary<{ body: string; model: string; violation: { field: string; kind: string } }> {
  const arbs = models.flatMap((m) => {
    const bait = enumNormalisationBait(m);
    return bait ? [bait.map(({ input, field }) => ({ body: JSON.stringify({ model: m.id, input }), model: m.id, violation: { field, kind: 'enum-outside' } }))] : [];
  });
  return fc.oneof(...arbs);
}
