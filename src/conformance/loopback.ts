// Where the target is this machine, the address it sees us come from is known.

/** Our address as a loopback target sees it (127.0.0.1 or ::1), or undefined for any other host (or `localhost`, which may be either). */
export function loopbackAddress(apiRoot: string): string | undefined {
  const host = new URL(apiRoot).hostname;
  if (/^127\.\d+\.\d+\.\d+$/.test(host)) return '127.0.0.1';
  return host === '[::1]' ? '::1' : undefined;
}
