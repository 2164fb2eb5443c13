// Configuration from the environment and a .env file, validated before any request is sent.
// A bad value is a ConfigError naming the variable; key values never appear in messages.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseDotenv } from 'dotenv';
import { contract } from './contract/index.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Config {
  target: { kind: 'embedded' } | { kind: 'remote'; apiRoot: string; origin: string };
  /** Set for the embedded emulator (by the global setup), never by users. */
  embedded: boolean;
  keys: {
    pool: string[];
    otherAccount?: string; disabled?: string; expired?: string; lowBalance?: string;
    spent?: string; ipRestricted?: string; quotaExhausted?: string;
  };
  otherAccountRunId?: string;
  ipRestrictedAllowedIp?: string;
  admin?: { url: string; token: string };
  model: string;
  seed: number;
  runs: number;
  allowBillable: boolean;
  strict: boolean;
  requireAll: boolean;
  timeoutMs: number;
  maxRequests: number;
  reportDir: string;
  /** virtual: the target is an emulator whose admin API moves its clock; waiting advances it. */
  clock: 'real' | 'virtual';
}

export const DEFAULTS = {
  seed: 42,
  runs: { embedded: 50, remote: 10 },
  maxRequests: { embedded: 20_000, remote: 1_500 },
  timeoutMs: 10_000,
  reportDir: 'reports',
} as const;

type Env = Record<string, string | undefined>;

const envName = (fixture: string, i = 0): string => {
  const name = contract.fixtures[fixture]?.env[i];
  if (!name) throw new Error(`contracts/fixtures.json has no variable ${i} for ${fixture}`);
  return name;
};

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function flag(env: Env, name: string): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined || ['0', 'false', 'no', 'off'].includes(value)) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  throw new ConfigError(`${name} must be 1/true/yes or 0/false/no, got '${value}'`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`${name} must be an integer, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function key(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const prefix = contract.limits.keys.prefix;
  if (!value.startsWith(prefix) || /\s/.test(value)) throw new ConfigError(`${name} must be a key starting with '${prefix}' (value not shown)`);
  return value;
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got '${url.protocol}'`);
  if (url.username || url.password) throw new ConfigError(`${name} must not carry credentials`);
  if (url.search || url.hash) throw new ConfigError(`${name} must not have a query or fragment`);
  return url;
}

/** RUNBASE_URL: an origin gets the documented API root appended; a URL with a path is the root itself. */
export function resolveApiRoot(value: string, name = 'RUNBASE_URL'): { apiRoot: string; origin: string } {
  const url = httpUrl(name, value);
  const path = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, apiRoot: url.origin + (path === '' ? contract.limits.apiRootPath : path) };
}

export function readDotenv(path: string): Env {
  if (!existsSync(path)) return {};
  try {
    return parseDotenv(readFileSync(path));
  } catch (error) {
    throw new ConfigError(`${path} could not be read: ${(error as Error).message}`);
  }
}

export function loadConfig(processEnv: Env = process.env, opts: { dotenvPath?: string } = {}): Config {
  // Real environment wins over .env, as dotenv does.
  const env: Env = { ...readDotenv(opts.dotenvPath ?? processEnv.RUNBASE_ENV_FILE ?? '.env'), ...processEnv };
  const url = text(env, 'RUNBASE_URL');
  const embedded = flag(env, 'RUNBASE_EMBEDDED');
  const target: Config['target'] = url ? { kind: 'remote', ...resolveApiRoot(url) } : { kind: 'embedded' };
  const kind = embedded || !url ? 'embedded' : 'remote';

  const poolName = envName('apiKeys');
  const pool = (text(env, poolName) ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  pool.forEach((_, i) => key({ [poolName]: pool[i] }, poolName));
  if (new Set(pool).size !== pool.length) throw new ConfigError(`${poolName} lists the same key twice`);
  if (url && pool.length === 0) throw new ConfigError(`${poolName} is required when RUNBASE_URL is set (one or more keys, comma-separated)`);

  const keys: Config['keys'] = { pool };
  const optional: [keyof Omit<Config['keys'], 'pool'>, string][] = [
    ['otherAccount', 'otherAccountKey'], ['disabled', 'disabledKey'], ['expired', 'expiredKey'], ['lowBalance', 'lowBalanceKey'],
    ['spent', 'spentKey'], ['ipRestricted', 'ipRestrictedKey'], ['quotaExhausted', 'quotaExhaustedKey'],
  ];
  for (const [field, fixture] of optional) {
    const value = key(env, envName(fixture));
    if (value) keys[field] = value;
  }

  const allowedIpName = envName('ipRestrictedKey', 1);
  const allowedIp = text(env, allowedIpName);
  if (allowedIp !== undefined && isIP(allowedIp) === 0) throw new ConfigError(`${allowedIpName} must be an IPv4 or IPv6 address, got '${allowedIp}'`);

  const [adminUrlName, adminTokenName] = [envName('emulatorState', 0), envName('emulatorState', 1)];
  const adminUrl = text(env, adminUrlName);
  const adminToken = text(env, adminTokenName);
  if (!!adminUrl !== !!adminToken) throw new ConfigError(`${adminUrlName} and ${adminTokenName} go together: set both or neither`);

  const model = text(env, 'RUNBASE_MODEL') ?? contract.models.defaultModel;
  if (!contract.models.models.some((m) => m.id === model)) {
    throw new ConfigError(`RUNBASE_MODEL must be one of ${contract.models.models.map((m) => m.id).join(', ')}; got '${model}'`);
  }

  const clock = text(env, 'RUNBASE_CLOCK') ?? (embedded ? 'virtual' : 'real');
  if (clock !== 'real' && clock !== 'virtual') throw new ConfigError(`RUNBASE_CLOCK must be 'real' or 'virtual', got '${clock}'`);
  if (clock === 'virtual' && !(adminUrl && adminToken)) throw new ConfigError(`RUNBASE_CLOCK=virtual needs the emulator's state API (${adminUrlName}, ${adminTokenName})`);

  const otherRun = text(env, envName('otherAccountRun'));
  return {
    target,
    embedded,
    keys,
    ...(otherRun ? { otherAccountRunId: otherRun } : {}),
    ...(allowedIp ? { ipRestrictedAllowedIp: allowedIp } : {}),
    ...(adminUrl && adminToken ? { admin: { url: httpUrl(adminUrlName, adminUrl).origin, token: adminToken } } : {}),
    model,
    seed: integer(env, 'RUNBASE_SEED', DEFAULTS.seed, -(2 ** 31), 2 ** 31 - 1),
    runs: integer(env, 'RUNBASE_RUNS', DEFAULTS.runs[kind], 1, 10_000),
    allowBillable: embedded || flag(env, 'RUNBASE_ALLOW_BILLABLE'),
    strict: flag(env, 'RUNBASE_STRICT'),
    requireAll: flag(env, 'RUNBASE_REQUIRE_ALL'),
    timeoutMs: integer(env, 'RUNBASE_TIMEOUT_MS', DEFAULTS.timeoutMs, 100, 600_000),
    maxRequests: integer(env, 'RUNBASE_MAX_REQUESTS', DEFAULTS.maxRequests[kind], 1, 1_000_000),
    reportDir: text(env, 'RUNBASE_REPORT_DIR') ?? DEFAULTS.reportDir,
    clock,
  };
}
