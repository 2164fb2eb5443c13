// Headers that claim the caller is somewhere else. A target must not believe them. The header names
// and their value formats come from the catalogue in contracts/client-ip-headers.json.
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { contract, type ClientIpHeader } from '../contract/index.ts';

/** One value of `header` naming `ip`, in the format its setter writes (alone, or among other addresses). */
export function clientIpClaim(header: Pick<ClientIpHeader, 'format'>, ip: string): fc.Arbitrary<string> {
  const other = fc.ipV4();
  const v6 = isIPv6(ip);
  switch (header.format) {
    case 'ip':
      return fc.constant(ip);
    case 'list':
      return fc.oneof(fc.constant(ip), other.map((o) => `${ip}, ${o}`), other.map((o) => `${o}, ${ip}`));
    case 'forwarded': {
      const forFor = v6 ? `"[${ip}]"` : ip;
      return fc.oneof(fc.constant(`for=${forFor}`), fc.constant(`for=${forFor};proto=https`), other.map((o) => `for=${forFor}, for=${o}`));
    }
    case 'ip-port':
      return fc.integer({ min: 1024, max: 65535 }).map((port) => (v6 ? `[${ip}]:${port}` : `${ip}:${port}`));
  }
}

/**
 * Sets of client-address headers from the catalogue, every one naming `allowedIp`. Two cases in three
 * are a subset of any size, which a failure shrinks to the one header the target believed; one in
 * three carries every header, so the ten cases of a remote run reach the whole catalogue.
 */
export function spoofedForwardingHeaders(allowedIp: string, catalogue: readonly ClientIpHeader[] = contract.clientIpHeaders): fc.Arbitrary<Record<string, string>> {
  const single = catalogue.map((h) => clientIpClaim(h, allowedIp).map((value): [string, string] => [h.name.toLowerCase(), value]));
  const subset = fc.uniqueArray(fc.oneof(...single), { minLength: 1, maxLength: catalogue.length, size: 'max', selector: ([name]) => name });
  const every = fc.tuple(...single);
  return fc.oneof({ arbitrary: subset, weight: 2 }, { arbitrary: every, weight: 1 }).map((pairs) => Object.fromEntries(pairs));
}

/**
 * Addresses that nearly name `ip` (an IPv4 address, or ::1) but are another host: a neighbour, another
 * network, and an IPv6 address that merely ends like the IPv4-mapped form of `ip`. A whitelist of any
 * of them must refuse `ip`, however loosely a server normalises addresses.
 */
export function nearMissAddresses(ip: string): string[] {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!v4) return ip === '::1' ? ['::2', '1::1', '::1:1'] : [];
  const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
  return [`${a}.${b}.${c}.${(d + 1) % 256}`, `${(a + 1) % 256}.${b}.${c}.${d}`, `1::ffff:${ip}`, `::ffff:${a}.${b}.${c}.${(d + 1) % 256}`];
}
