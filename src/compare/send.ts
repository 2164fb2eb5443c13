// Sends the corpus to one target, paced within its rate limit on its own keys and clock.
import { contract } from '../contract/index.ts';
import type { Config } from '../settings/index.ts';
import { createClient } from '../http/client.ts';
import { pacingFor } from '../http/pacing.ts';
import type { Exchange, HttpRequest } from '../contract/exchange.ts';
import type { CorpusItem } from './corpus.ts';
import { keyForFixture } from '../conformance/fixtures.ts';

export interface Side {
  name: string;
  config: Config;
  apiRoot: string;
  send(item: CorpusItem): Promise<Exchange | { skipped: string }>;
  close(): Promise<void>;
}

export async function openSide(name: string, config: Config): Promise<Side> {
  if (config.target.kind !== 'remote') throw new Error(`${name}: RUNBASE_URL is required`);
  const apiRoot = config.target.apiRoot;
  const { scheduler } = await pacingFor(config);
  const client = createClient({ timeoutMs: config.timeoutMs, maxBodyBytes: 256 * 1024 });
  const scheme = contract.limits.keys.scheme;

  async function send(item: CorpusItem): Promise<Exchange | { skipped: string }> {
    if (item.billable && !config.allowBillable) return { skipped: 'billable: set RUNBASE_ALLOW_BILLABLE=1 for both sides' };
    if (item.path.includes('{otherAccountRun}') && !config.otherAccountRunId) return { skipped: 'no RUNBASE_OTHER_ACCOUNT_RUN_ID' };
    const role = 'role' in item.auth ? item.auth.role : undefined;
    const fixtureKey = role && role !== 'pool' ? keyForFixture(config, role) : undefined;
    if (role && role !== 'pool' && !fixtureKey) return { skipped: `no key for ${role}` };
    if (item.headersForAllowedIp && !config.ipRestrictedAllowedIp) return { skipped: 'no RUNBASE_IP_RESTRICTED_ALLOWED_IP' };
    const path = item.path.replace('{otherAccountRun}', encodeURIComponent(config.otherAccountRunId ?? ''));
    const build = (key: string | undefined): HttpRequest => {
      const headers: Record<string, string> = {};
      const a = item.auth;
      if ('template' in a) headers.authorization = a.template.split('{key}').join(key ?? '');
      else if ('header' in a) headers.authorization = a.header;
      else if ('role' in a) headers.authorization = `${scheme} ${key}`;
      const type = item.contentType === undefined ? (item.body === undefined ? null : 'application/json') : item.contentType;
      if (type !== null) headers['content-type'] = type;
      Object.assign(headers, item.headers, item.headersForAllowedIp?.(config.ipRestrictedAllowedIp!));
      return { method: item.method, url: apiRoot + path, headers, ...(item.body === undefined ? {} : { body: item.body }) };
    };
    if (item.burst) {
      const lease = await scheduler.lease({ idleMs: contract.limits.rateLimit.windowSeconds * 1000 });
      try {
        let last: Exchange | undefined;
        for (let i = 0; i < item.burst; i++) { last = await client.send(build(lease.key)); scheduler.record(lease.key); }
        return last!;
      } finally {
        lease.release();
      }
    }
    const pace = fixtureKey ? { key: fixtureKey } : role ? { pool: true as const } : { key: 'anonymous' };
    return scheduler.send(pace, (key) => client.send(build(key === 'anonymous' ? undefined : key)));
  }
  return { name, config, apiRoot, send, close: () => client.close() };
}
