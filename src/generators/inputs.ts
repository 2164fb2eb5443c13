// Model inputs from the JSON Schemas in contracts/models.json: valid ones, and ones with exactly one
// schema violation. Plain data; nothing here knows of HTTP.
import fc from 'fast-check';
import type { JsonSchema, ModelEntry } from '../contract/index.ts';

export interface Violation {
  field: string;
  kind: 'missing-required' | 'wrong-type' | 'enum-outside' | 'items-not-strings' | 'not-array';
}

type Input = Record<string, unknown>;

const properties = (model: ModelEntry): [string, JsonSchema][] => Object.entries(model.input.properties ?? {});
const required = (model: ModelEntry): string[] => model.input.required ?? [];

/** A prompt: varied unicode text, never empty. */
export function prompt(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('a lighthouse at dusk', 'A red fox in the snow, 35mm film', 'logo: "Runbase" — minimal, flat'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 50 }),
  ).filter((s) => s.length > 0);
}

export function imageUrl(): fc.Arbitrary<string> {
  return fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }).map((u) => u.replace(/^http:/, 'https:'));
}

function validValue(name: string, schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.type === 'array') return fc.array(imageUrl(), { maxLength: Math.min(schema.maxItems ?? 6, 6) });
  if (name === 'prompt') return prompt();
  return fc.string({ minLength: 1, maxLength: 40 });
}

/** An input valid under the model's schema: the required fields, and each optional one sometimes. */
export function validInput(model: ModelEntry): fc.Arbitrary<Input> {
  const req = new Set(required(model));
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, schema] of properties(model)) record[name] = validValue(name, schema);
  const requiredKeys = [...req];
  return fc.record(record, { requiredKeys }) as fc.Arbitrary<Input>;
}

/** A value of any JSON type but `type`. */
export function wrongTypeValue(type: string | undefined): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 20 }),
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    boolean: fc.boolean(),
    null: fc.constant(null),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    array: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  };
  return fc.oneof(...Object.entries(all).filter(([t]) => t !== type).map(([, arb]) => arb));
}

/** Strings outside an enum: random ones and near misses of its values (case, padding, neighbours). */
export function enumOutside(values: readonly string[], others: readonly string[] = []): fc.Arbitrary<string> {
  const nearMisses = [
    ...values.flatMap((v) => [v.toLowerCase(), v.toUpperCase(), ` ${v}`, `${v} `, `${v}x`, v.replace(':', '/'), v.slice(0, -1)]),
    '16:10', '0:0', '1K ', '8K', '480p', '15', 'Auto', 'AUTO',
    ...others,
  ];
  return fc.oneof(fc.constantFrom(...nearMisses), fc.string({ minLength: 1, maxLength: 12 })).filter((s) => s !== '' && !values.includes(s));
}

/** Every enum value any model accepts for `field`, for near misses that are valid elsewhere. */
function enumValuesElsewhere(models: readonly ModelEntry[], field: string): string[] {
  return [...new Set(models.flatMap((m) => m.input.properties?.[field]?.enum ?? []))];
}

/** A valid input with exactly one violation of the schema. */
export function inputWithOneViolation(model: ModelEntry, catalogue: readonly ModelEntry[] = [model]): fc.Arbitrary<{ input: Input; violation: Violation }> {
  const variants: fc.Arbitrary<{ input: Input; violation: Violation }>[] = [];
  for (const field of required(model)) {
    variants.push(validInput(model).map((input) => {
      const { [field]: _gone, ...rest } = input;
      return { input: rest, violation: { field, kind: 'missing-required' } };
    }));
  }
  for (const [field, schema] of properties(model)) {
    const set = (value: unknown, kind: Violation['kind']) => validInput(model).map((input) => ({ input: { ...input, [field]: value }, violation: { field, kind } }));
    variants.push(wrongTypeValue(schema.type).filter((v) => schema.type !== 'array' || !Array.isArray(v)).chain((v) => set(v, schema.type === 'array' ? 'not-array' : 'wrong-type')));
    if (schema.enum) {
      const elsewhere = enumValuesElsewhere(catalogue, field).filter((v) => !schema.enum!.includes(v));
      variants.push(enumOutside(schema.enum, elsewhere).chain((v) => set(v, 'enum-outside')));
    }
    if (schema.type === 'array') {
      const items = fc.tuple(fc.array(imageUrl(), { maxLength: 2 }), wrongTypeValue('string')).map(([urls, bad]) => [...urls, bad]);
      variants.push(items.chain((v) => set(v, 'items-not-strings')));
    }
  }
  return fc.oneof(...variants);
}

/** A valid input plus one field the schema does not name. */
export function inputWithUnknownField(model: ModelEntry): fc.Arbitrary<Input> {
  const known = new Set(properties(model).map(([name]) => name));
  const name = fc.oneof(fc.constantFrom('seed', 'negative_prompt', 'num_images', 'style', 'Prompt'), fc.stringMatching(/^[a-z_]{1,16}$/)).filter((n) => !known.has(n) && n !== '__proto__');
  return fc.tuple(validInput(model), name, fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean())).map(([input, n, v]) => ({ ...input, [n]: v }));
}

/** `{ model, input }` for any model of the catalogue, with a valid input. */
export function validCreateBody(models: readonly ModelEntry[]): fc.Arbitrary<{ model: string; input: Input }> {
  return fc.constantFrom(...models).chain((m) => validInput(m).map((input) => ({ model: m.id, input })));
}

/** One valid input per documented enum value of every optional field: the values a sample may miss. */
export function everyEnumValue(model: ModelEntry): Input[] {
  const base = { prompt: 'a lighthouse at dusk' };
  return properties(model).flatMap(([name, schema]) => (schema.enum ?? []).map((value) => ({ ...base, [name]: value })));
}
