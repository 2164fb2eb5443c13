// The emulator's state API, as the rules that need emulator state use it (RUN-CHARGE-REFUND).
import { adminCall } from '../http/admin.ts';
import type { Session } from './session.ts';

/** A key as the state API shows it (the fields the accounting rules read). */
export interface AdminKey { key: string; accountId: string; spentMicroUsd: number; usageUsed: number; spendLimitCents: number | null; usageQuota: number | null }

export interface AdminClient {
  balanceOfKey(key: string): Promise<number>;
  failNextRun(key: string): Promise<void>;
  createAccount(balanceMicroUsd: number): Promise<{ id: string }>;
  createKey(accountId: string, settings: { spendLimitCents?: number | null; usageQuota?: number | null; expiresAt?: string; ipWhitelist?: string[] }): Promise<AdminKey>;
  key(key: string): Promise<AdminKey>;
  balance(accountId: string): Promise<number>;
  runStatus(id: string): Promise<string | undefined>;
}

export function adminClient(session: Pick<Session, 'config'>): AdminClient {
  const admin = session.config.admin;
  if (!admin) throw new Error('the emulator state API is not configured (RUNBASE_ADMIN_URL, RUNBASE_ADMIN_TOKEN)');
  const call = <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => adminCall<T>(admin, method, path, body);
  const keyPath = (key: string) => `/admin/keys/${encodeURIComponent(key)}`;
  return {
    async balanceOfKey(key) {
      const { accountId } = await call<{ accountId: string }>('GET', keyPath(key));
      const account = await call<{ balanceMicroUsd: number }>('GET', `/admin/accounts/${encodeURIComponent(accountId)}`);
      return account.balanceMicroUsd;
    },
    async failNextRun(key) {
      await call('POST', `${keyPath(key)}/fail-next`);
    },
    createAccount: (balanceMicroUsd) => call('POST', '/admin/accounts', { balanceMicroUsd }),
    createKey: (accountId, settings) => call('POST', '/admin/keys', { accountId, ...settings }),
    key: (key) => call('GET', keyPath(key)),
    async balance(accountId) {
      return (await call<{ balanceMicroUsd: number }>('GET', `/admin/accounts/${encodeURIComponent(accountId)}`)).balanceMicroUsd;
    },
    async runStatus(id) {
      return (await call<{ status?: string }>('GET', `/admin/runs/${encodeURIComponent(id)}`)).status;
    },
  };
}
