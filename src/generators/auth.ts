// Authorization header values, each carrying the fault it embodies. Every value is a legal HTTP
// field value (visible ASCII, spaces and tabs; no CR, LF or NUL).
import fc from 'fast-check';
import { contract } from '../contract/index.ts';

const prefix = () => contract.limits.keys.prefix;
const scheme = () => contract.limits.keys.scheme;

/** `sk-` and a random secret part. */
export function apiKeyLike(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/).map((s) => prefix() + s);
}

/** A well-formed key that is none of `known`. */
export function unknownApiKey(known: readonly string[]): fc.Arbitrary<string> {
  const set = new Set(known);
  return apiKeyLike().filter((k) => !set.has(k));
}

/** Authorization values of the wrong format: other schemes, no scheme, no token, nothing at all. */
export function wrongSchemeAuthorization(key: string): fc.Arbitrary<string> {
  const b64 = Buffer.from(`user:${key}`).toString('base64');
  return fc.constantFrom(
    `Basic ${b64}`, `Token ${key}`, key, scheme(), `${scheme()}   `, '', `${scheme()}: ${key}`, `ApiKey ${key}`,
    `${scheme()}${key}`, `Digest username="${key}"`, `${scheme()} ${scheme()} ${key}`,
  );
}

/** The key prefix with its letters' case changed ("SK-", "Sk-", "sK-"): never the prefix itself. */
export function prefixCaseVariant(): fc.Arbitrary<string> {
  const p = prefix();
  return fc.array(fc.boolean(), { minLength: p.length, maxLength: p.length })
    .map((upper) => [...p].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''))
    .filter((v) => v !== p);
}

/** `Bearer <token>` where the token does not start with `sk-` exactly: other tokens, and keys whose
 * prefix is in another case (the docs say keys begin with "sk-"). */
export function noSkPrefixAuthorization(): fc.Arbitrary<string> {
  const token = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,64}$/),
    fc.constantFrom('pk-live-123456', 'sk_live_123456', 'skey-123456', 'eyJhbGciOiJIUzI1NiJ9.e30.sig', 'null', 'undefined', '12345'),
    fc.tuple(prefixCaseVariant(), apiKeyLike()).map(([variant, key]) => variant + key.slice(prefix().length)),
  );
  return token.filter((t) => !t.startsWith(prefix())).map((t) => `${scheme()} ${t}`);
}

/** Case and spacing variants of a correct header, each labelled. */
export function schemeCaseVariant(key: string): fc.Arbitrary<{ variant: string; header: string }> {
  const s = scheme();
  return fc.constantFrom(
    { variant: 'lowercase-scheme', header: `${s.toLowerCase()} ${key}` },
    { variant: 'uppercase-scheme', header: `${s.toUpperCase()} ${key}` },
    { variant: 'two-spaces', header: `${s}  ${key}` },
    { variant: 'tab-separator', header: `${s}\t${key}` },
    { variant: 'trailing-space', header: `${s} ${key} ` },
    { variant: 'leading-space', header: ` ${s} ${key}` },
  );
}
