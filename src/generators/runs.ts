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

/** A request path (below the API root) that is a variant of the path of one run. */
export interface RunPathVariant { variant: string; path: string }

const swapCase = (s: string) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
const encodeEvery = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * Every variant of the read path of run `id` through which a router, a path normaliser or a proxy could
 * reach the run while an ownership check keyed on the exact path is skipped: trailing and doubled
 * slashes, encoded slashes, dot segments (plain and encoded), letter case of the path and of the id,
 * the id fully percent-encoded or padded with encoded whitespace, matrix parameters and a query.
 * Paths are as written (not normalised): the HTTP client must send them byte for byte.
 */
export function runPathVariants(id: string): RunPathVariant[] {
  const template = contract.limits.endpoints.readRun.path; // "/runs/{id}"
  const [head, tail] = template.split('{id}') as [string, string];
  const collection = head.replace(/\/$/, ''); // "/runs"
  const seg = collection.slice(1); // "runs"
  const withTail = (p: string) => `${p}${tail}`;
  const variants: [string, string][] = [
    ['trailing slash', `${collection}/${id}/`],
    ['doubled slash before the id', `${collection}//${id}`],
    ['doubled slash before the collection', `/${collection}/${id}`],
    ['encoded slash', `${collection}%2F${id}`],
    ['encoded slash, lower case', `${collection}%2f${id}`],
    ['dot segment', `${collection}/./${id}`],
    ['dot segment before the collection', `/.${collection}/${id}`],
    ['trailing dot segment', `${collection}/${id}/.`],
    ['dot-dot segment', `${collection}/x/../${id}`],
    ['dot-dot before the collection', `/x/..${collection}/${id}`],
    ['encoded dot segment', `${collection}/%2e/${id}`],
    ['encoded dot-dot segment', `${collection}/x/%2e%2e/${id}`],
    ['collection in upper case', `/${seg.toUpperCase()}/${id}`],
    ['collection capitalised', `/${seg.charAt(0).toUpperCase()}${seg.slice(1)}/${id}`],
    ['id with swapped case', `${collection}/${swapCase(id)}`],
    ['id fully percent-encoded', `${collection}/${encodeEvery(id)}`],
    ['id padded with an encoded space', `${collection}/${id}%20`],
    ['id after an encoded space', `${collection}/%20${id}`],
    ['id padded with an encoded tab', `${collection}/${id}%09`],
    ['id with a matrix parameter', `${collection}/${id};x=1`],
    ['id with a query', `${collection}/${id}?x=1`],
    ['backslash separator', `${collection}%5C${id}`],
  ];
  return variants.map(([variant, path]) => ({ variant, path: withTail(path) }));
}

/** One path variant of run `id` (see runPathVariants). */
export function runPathVariant(id: string): fc.Arbitrary<RunPathVariant> {
  return fc.constantFrom(...runPathVariants(id));
}

/** Odd run ids that decode (NUL, very long, non-ASCII): no one's run, so 404 run_not_found (RUN-NOT-FOUND). */
export function oddRunIdCatalogue(): { name: string; id: string }[] {
  const prefix = contract.limits.runs.idPrefix;
  return [
    { name: 'NUL (%00)', id: `${prefix}x\u0000y` },
    { name: '4000 characters', id: prefix + 'a'.repeat(4000) },
    { name: 'non-ASCII (ü, 日本, 😀)', id: `${prefix}ü日本😀` },
    { name: 'only non-ASCII', id: `${prefix}\u00e9\u00e9` },
  ];
}

/** Read paths whose id percent-decodes to bytes that are not UTF-8 (%FF, an overlong form, a cut
 * sequence, a lone continuation byte): a server may refuse them as it likes, never with a 5xx or a reset. */
export function undecodableRunPaths(runsPath: string): string[] {
  return ['%FF', '%C0%AF', '%E2%82', '%80abc'].map((bytes) => `${runsPath}/${contract.limits.runs.idPrefix}${bytes}`);
}
