// Request bodies, each carrying the fault it embodies. Plain data: strings or bytes, no HTTP.
import fc from 'fast-check';
import type { ModelEntry } from '../contract/index.ts';
import { inputWithOneViolation, validCreateBody, validInput } from './inputs.ts';
import { enumNormalisationBody, paddedModelBody } from './normalisation.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Whether a strict reader (UTF-8, then JSON.parse) accepts the bytes. */
export function parsesAsJson(body: string | Uint8Array): boolean {
  try {
    JSON.parse(typeof body === 'string' ? body : decoder.decode(body));
    return true;
  } catch {
    return false;
  }
}

const jsonText = validCreateBody;

/** Bytes that are not UTF-8, placed inside an otherwise valid JSON object's string. */
const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe], [0xc3, 0x28], [0x80], [0xbf], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];

function invalidUtf8Inside(models: readonly ModelEntry[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(jsonText(models), fc.constantFrom(...INVALID_UTF8)).map(([body, bad]) => {
    const text = JSON.stringify(body);
    const at = text.indexOf('"', text.indexOf('"prompt"') + 9) + 1;
    const head = Buffer.from(text.slice(0, at), 'utf8');
    const tail = Buffer.from(text.slice(at), 'utf8');
    return new Uint8Array(Buffer.concat([head, Buffer.from(bad), tail]));
  });
}

/** Bodies that are not JSON: each way a client or proxy gets it wrong. */
export function malformedJsonBody(models: readonly ModelEntry[] = []): fc.Arbitrary<string | Uint8Array> {
  const source = models.length ? jsonText(models).map((b) => JSON.stringify(b)) : fc.constant('{"model":"google/nano-banana-2","input":{"prompt":"a cat"}}');
  const variants: fc.Arbitrary<string | Uint8Array>[] = [
    // truncated
    source.chain((t) => fc.integer({ min: 1, max: t.length - 1 }).map((n) => t.slice(0, n))),
    // trailing comma
    source.map((t) => `${t.slice(0, -1)},}`),
    // single quotes
    source.map((t) => t.replace(/"/g, "'")),
    // unquoted keys
    source.map((t) => t.replace(/"(model|input|prompt)":/g, '$1:')),
    // bare words and JavaScript-only literals
    fc.constantFrom('hello', 'undefined', 'NaN', 'Infinity', '{model}', 'True', 'nul', "{'a':1}", '0x1F', '{"a":NaN}', '{"a":01}', '{"a":.5}', '{"a":+1}'),
    // JSON followed by junk
    fc.tuple(source, fc.constantFrom('x', '}', ',', ' {}', '\u0000', '//', ' true')).map(([t, junk]) => t + junk),
    // comments
    source.map((t) => `/* body */ ${t}`),
    source.map((t) => `${t.slice(0, 1)} // note\n${t.slice(1)}`),
    // unbalanced brackets
    fc.constantFrom('{', '[', '{"model": [}', '{"input": {"prompt": "x"}', ']', '{}}'),
    // random bytes (almost never JSON)
    fc.uint8Array({ minLength: 1, maxLength: 512, size: 'max' }),
    // invalid UTF-8 inside a string of a valid object
    ...(models.length ? [invalidUtf8Inside(models)] : []),
  ];
  return fc.oneof(...variants).filter((b) => (typeof b === 'string' ? b.length > 0 : b.length > 0) && !parsesAsJson(b));
}

/** A JSON object with a valid input whose `model` is absent or not a string. */
export function missingModelBody(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  const notString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.constant({ id: models[0]?.id ?? 'x' }));
  return fc.tuple(fc.constantFrom(...models).chain(validInput), fc.option(notString, { nil: undefined })).map(([input, model]) =>
    JSON.stringify(model === undefined ? { input } : { model, input }));
}

/** JSON texts that are not objects. */
export function notObjectBody(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('[]', '""', '"x"', '42', '0', '-1.5e3', 'true', 'false', 'null', '[{"model":"google/nano-banana-2"}]'),
    fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
  );
}

/** A known model with `input` absent or a string, number, boolean or null. */
export function missingInputBody(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  const notObject = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  return fc.tuple(fc.constantFrom(...models), fc.option(notObject, { nil: undefined })).map(([m, input]) =>
    JSON.stringify(input === undefined ? { model: m.id } : { model: m.id, input }));
}

/** A known model with an array for `input`. */
export function inputArrayBody(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...models), fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constant({ prompt: 'a cat' })), { maxLength: 3 }))
    .map(([m, input]) => JSON.stringify({ model: m.id, input }));
}

/** Model ids that name no model: random shapes and near misses of the real ones. */
export function unknownModelId(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  const ids = models.map((m) => m.id);
  const known = new Set(ids.map((id) => id.toLowerCase()));
  const nearMiss = fc.constantFrom(...ids).chain((id) => {
    const [provider, name] = id.split('/') as [string, string];
    return fc.constantFrom(
      `${provider}/${name.replace(/\d+(\.\d+)?$/, (v) => String(Number(v) + 1))}`,
      `${provider}/${name}-3`, `${name}`, `${provider}/`, `${id}/`, `/${id}`, `${id}x`, id.slice(0, -1),
      `${provider === 'openai' ? 'google' : 'openai'}/${name}`, `${provider} /${name}`, `${provider}/${name} `, ` ${id}`,
      id.replace('-', '_'), id.replace('/', ':'), `${provider}//${name}`,
    );
  });
  const randomShape = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,23}$/)).map(([p, n]) => `${p}/${n}`);
  const anything = fc.string({ minLength: 1, maxLength: 80, size: 'max' });
  return fc.oneof(nearMiss, randomShape, anything).filter((s) => s.trim() !== '' && !known.has(s.toLowerCase()));
}

/** Bodies naming no model: unknown ids with a valid input, and a third of the time a known id padded
 * with whitespace (with an input valid for it), which only a target that trims would accept. */
export function unknownModelBody(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  const unknown = fc.tuple(unknownModelId(models), fc.constantFrom(...models).chain(validInput)).map(([model, input]) => JSON.stringify({ model, input }));
  return fc.oneof({ arbitrary: unknown, weight: 2 }, { arbitrary: paddedModelBody(models), weight: 1 });
}

/** A model id no target can mistake for a real one (not a near miss: no case, space or version
 * change of a real id), for hostile bodies that must not be able to create a billable run. */
export function nonBillableModelId(models: readonly ModelEntry[]): string {
  const id = 'runbase-conformance/no-such-model';
  if (models.some((m) => m.id.toLowerCase() === id)) throw new Error(`${id} is a real model`);
  return id;
}

/** A known model id with its case changed. */
export function modelCaseVariant(models: readonly ModelEntry[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...models.map((m) => m.id)), fc.constantFrom('upper', 'title', 'first')).map(([id, how]) =>
    how === 'upper' ? id.toUpperCase() : how === 'title' ? id.replace(/(^|[/-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase()) : id.charAt(0).toUpperCase() + id.slice(1))
    .filter((v) => models.every((m) => m.id !== v));
}

/** `{ model, input }` with one schema violation in the input, carrying the violation. */
/** A third of the time the violation is a documented enum value padded with whitespace or with its
 * case changed: outside the enum, accepted only by a target that normalises. */
export function invalidInputBody(models: readonly ModelEntry[]): fc.Arbitrary<{ body: string; model: string; violation: { field: string; kind: string } }> {
  const one = fc.constantFrom(...models).chain((m) => inputWithOneViolation(m, models).map(({ input, violation }) => ({ body: JSON.stringify({ model: m.id, input }), model: m.id, violation })));
  const baitable = models.filter((m) => Object.values(m.input.properties ?? {}).some((p) => Array.isArray(p.enum)));
  return baitable.length ? fc.oneof({ arbitrary: one, weight: 2 }, { arbitrary: enumNormalisationBody(baitable), weight: 1 }) : one;
}

/** Bodies built to hurt a parser: depth, length, prototype keys, NUL and lone surrogates, huge numbers. */
export function hostileBody(models: readonly ModelEntry[] = []): fc.Arbitrary<{ name: string; body: string }> {
  const model = models[0]?.id ?? 'google/nano-banana-2';
  const withPrompt = (p: string) => `{"model":${JSON.stringify(model)},"input":{"prompt":${p}}}`;
  return fc.oneof(
    fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({ name: `nested arrays ×${n}`, body: '['.repeat(n) + ']'.repeat(n) })),
    fc.integer({ min: 10_000, max: 100_000 }).map((n) => ({ name: `nested objects ×${n}`, body: '{"a":'.repeat(n) + '1' + '}'.repeat(n) })),
    fc.integer({ min: 100_000, max: 900_000 }).map((n) => ({ name: `prompt of ${n} chars`, body: withPrompt(JSON.stringify('x'.repeat(n))) })),
    fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => ({ name: `${k} keys`, body: `{"${k}":{"model":"x","polluted":true},"model":${JSON.stringify(model)},"input":{"${k}":{"prompt":1}}}` })),
    fc.constantFrom('\\u0000', '\\ud800', '\\udfff', '\\ud800\\u0000\\udc00').map((e) => ({ name: `escape ${e} in prompt`, body: withPrompt(`"a${e}b"`) })),
    fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '9'.repeat(400), '123456789012345678901234567890').map((n) => ({ name: `number ${n.slice(0, 12)}`, body: `{"model":${JSON.stringify(model)},"input":{"prompt":"x","resolution":${n}}}` })),
  );
}
