// Run ids that no one created. Never '/', '', '.' or '..': those would change the route.
import fc from 'fast-check';
import { contract } from '../contract/index.ts';

export function unknownRunId(): fc.Arbitrary<string> {
  const prefix = contract.limits.runs.idPrefix;
  return fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{1,40}$/).map((s) => prefix + s),
    fc.uuid().map(String),
    fc.uuid().map((u) => prefix + u),
    fc.integer({ min: 200, max: 1000 }).chain((n) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${n}}$`)).map((s) => prefix + s)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((s) => prefix + s),
    fc.constantFrom(' ', '%', '?', '#', '&', '+', '%2F', '..%2f', 'run_%00', '😀', 'ü', '\\', '"', "'", '<script>').map((c) => `${prefix}x${c}y`),
  ).filter((id) => id !== '' && id !== '.' && id !== '..' && !id.includes('/'));
}
