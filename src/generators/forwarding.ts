// Headers that claim the caller is somewhere else. A target must not believe them.
import fc from 'fast-check';
import { isIPv6 } from 'node:net';

export function spoofedForwardingHeaders(allowedIp: string): fc.Arbitrary<Record<string, string>> {
  const other = fc.ipV4();
  const forFor = isIPv6(allowedIp) ? `"[${allowedIp}]"` : allowedIp;
  const single: fc.Arbitrary<[string, string]>[] = [
    fc.constant(['x-forwarded-for', allowedIp]),
    other.map((o) => ['x-forwarded-for', `${allowedIp}, ${o}`]),
    other.map((o) => ['x-forwarded-for', `${o}, ${allowedIp}`]),
    fc.constant(['x-real-ip', allowedIp]),
    fc.constant(['forwarded', `for=${forFor}`]),
    fc.constant(['forwarded', `for=${forFor};proto=https`]),
    fc.constant(['true-client-ip', allowedIp]),
  ];
  return fc.uniqueArray(fc.oneof(...single), { minLength: 1, maxLength: 4, selector: ([name]) => name }).map((pairs) => Object.fromEntries(pairs));
}
