// The settings of a run, from the environment and a .env file, validated before any request is sent:
// the only reader of RUNBASE_* and of the settings file. The run reads them once (src/runner/main.ts)
// and hands the typed Config on (vitest `provide`); nothing writes settings back into process.env.
// A bad value is a ConfigError naming the variable; key values never appear in messages.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseDotenv } from 'dotenv';
import { contract } from '../contract/index.ts';
import { KEY_FIXTURES } from '../contract/key-fixtures.ts';
import { inShard, parseShard, shardLabel, type Shard } from '../contract/shard.ts';
import { SelectionError, parseRuleSelection } from '../contract/rule-selection.ts';

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
  /** The longest Retry-After the scheduler waits out; a longer one ends the run with exit 2. */
  maxRetryAfterMs: number;
  maxRequests: number;
  reportDir: string;
  /** virtual: the target is an emulator whose admin API moves its clock; waiting advances it. */
  clock: 'real' | 'virtual';
  /** The settings file the run read (RUNBASE_ENV_FILE, else .env); the reproduction steps load it. */
  envFile: string;
  /** RUNBASE_SHARD (or --shard): the slice of the rules this run registers. */
  shard?: Shard;
  /** RUNBASE_SUITES (or suite files as arguments): the families to load; all when unset. */
  suites?: string[];
  /** RUNBASE_CONCURRENCY: rules that run at the same time (the scheduler still paces every key). */
  concurrency: number;
  /** RUNBASE_PROGRESS: live|lines|off; unset, live on a terminal and lines otherwise. */
  progress?: 'live' | 'lines' | 'off';
  /** RUNBASE_RULES (or --rule, --last-failed): the rules this run registers; all when unset. */
  rules?: string[];
  /** The baseline of accepted findings (RUNBASE_BASELINE, else ./conformance-baseline.json when there). */
  baseline?: string;
  /** A stale baseline entry fails the run (RUNBASE_FAIL_ON_STALE). */
  failOnStale: boolean;
}

export const DEFAULTS = {
  seed: 42,
  runs: { embedded: 50, remote: 10 },
  maxRequests: { embedded: 20_000, remote: 1_500 },
  timeoutMs: 10_000,
  maxRetryAfterSeconds: 60,
  reportDir: 'reports',
  envFile: '.env',
  concurrency: 16,
  maxConcurrency: 64,
  baseline: 'conformance-baseline.json',
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
  throw new ConfigError(`${name} must be 1/true/yes or 0/false/no (value not shown)`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`${name} must be an integer (value not shown)`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max} (value not shown)`);
  return n;
}

function key(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const prefix = contract.limits.keys.prefix;
  if (!value.startsWith(prefix) || /\s/.test(value)) throw new ConfigError(`${name} must be a key starting with '${prefix}' (value not shown)`);
  return value;
}

/** A key pasted where another setting belongs: the key prefix, at a word's start, and a long token. */
function looksLikeKey(value: string): boolean {
  const prefix = contract.limits.keys.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9])${prefix}[A-Za-z0-9_-]{16,}`).test(value);
}

function httpUrl(name: string, value: string): URL {
  // It would be printed (the banner, a target error naming the host): never with a key in it.
  if (looksLikeKey(value)) throw new ConfigError(`${name} holds what looks like an API key (value not shown)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is never shown: a pasted key lands here more often than one would think.
    throw new ConfigError(`${name} is not a URL (value not shown)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL (value not shown)`);
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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * dotenv's parser skips a line it cannot read without a word, so a typo silently drops a setting
 * (and with RUNBASE_URL, turns a remote run into an embedded one). Every line must be blank, a
 * comment, or `[export ] NAME=value` (value bare, or quoted, double/back quotes may span lines).
 * Returns the 1-based number of the first line that is none of these.
 */
export function badEnvLine(text: string): number | undefined {
  // Line ends as dotenv reads them (CRLF, LF, and a bare CR too), so no line is judged other than it is read.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return i + 1;
    const name = line.slice(0, eq).trim().replace(/^export\s+/, '');
    if (!ENV_NAME.test(name)) return i + 1;
    const value = line.slice(eq + 1).trimStart();
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') continue;
    // Find the closing quote, on this line or (double and back quotes) a later one.
    let rest = value.slice(1);
    let end = closingQuote(rest, quote);
    let j = i;
    while (end < 0 && quote !== "'" && j + 1 < lines.length) {
      j++;
      rest = lines[j]!;
      end = closingQuote(rest, quote);
    }
    if (end < 0) return i + 1;
    if (!/^\s*(#.*)?$/.test(rest.slice(end + 1))) return j + 1;
    i = j;
  }
  return undefined;
}

function closingQuote(text: string, quote: string): number {
  for (let k = 0; k < text.length; k++) {
    if (text[k] === '\\') { k++; continue; }
    if (text[k] === quote) return k;
  }
  return -1;
}

/** The settings file: the default `.env` may be absent; a file named by RUNBASE_ENV_FILE must be there. */
export function readDotenv(path: string, named: boolean): Env {
  const setting = named ? 'RUNBASE_ENV_FILE' : 'the .env file';
  if (!existsSync(path)) {
    if (named) throw new ConfigError('RUNBASE_ENV_FILE names a file that does not exist');
    return {};
  }
  let text: string;
  try {
    accessSync(path, constants.R_OK);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${setting} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const bad = badEnvLine(text);
  if (bad !== undefined) throw new ConfigError(`${setting}: line ${bad} is not NAME=value (line not shown)`);
  return parseDotenv(text);
}

/** Settings that only mean something with a target: set without RUNBASE_URL, a target was meant. */
function targetOnlySettings(env: Env): string[] {
  const fixtureNames = new Set(Object.values(contract.fixtures).flatMap((f) => f.env));
  // Also a misspelt key variable (RUNBASE_API_KEYS) and any RUNBASE_* setting holding a key.
  const keyLike = (k: string) => /^RUNBASE_(.*_KEYS?(_.*)?|ADMIN_.*|.*_TOKEN)$/.test(k) || looksLikeKey(text(env, k) ?? '');
  return Object.keys(env).filter((k) => (fixtureNames.has(k) || (k.startsWith('RUNBASE_') && keyLike(k))) && text(env, k) !== undefined).sort();
}

/**
 * Settings of a run itself, not of a target: `npm run compare` takes them from the environment for
 * both sides (over what each side's file says); every other RUNBASE_ variable comes from the files.
 */
export const RUN_SETTINGS = ['RUNBASE_SEED', 'RUNBASE_ALLOW_BILLABLE', 'RUNBASE_TIMEOUT_MS', 'RUNBASE_REPORT_DIR'] as const;

/** The environment a compare side's settings file is read under: no target settings, the run settings. */
export function runSettingsEnv(processEnv: Env = process.env): Env {
  return Object.fromEntries(Object.entries(processEnv).filter(([k]) => !k.startsWith('RUNBASE_') || (RUN_SETTINGS as readonly string[]).includes(k)));
}

/** The settings file a run reads: RUNBASE_ENV_FILE, else `.env` in the working directory. */
export const envFileOf = (env: Env): string => env.RUNBASE_ENV_FILE ?? DEFAULTS.envFile;

/**
 * The raw settings: the settings file under the environment (the real environment wins over .env, as
 * dotenv does), under `overrides` (the run's own arguments: --shard, suite files). Read once per run.
 */
export function readSettings(processEnv: Env = process.env, opts: { dotenvPath?: string; overrides?: Env } = {}): Env {
  const named = opts.dotenvPath === undefined && processEnv.RUNBASE_ENV_FILE !== undefined;
  if (named && processEnv.RUNBASE_ENV_FILE!.trim() === '') throw new ConfigError('RUNBASE_ENV_FILE is set but empty');
  const envFile = opts.dotenvPath ?? envFileOf(processEnv);
  return { ...readDotenv(envFile, named), ...processEnv, ...opts.overrides, RUNBASE_ENV_FILE: envFile };
}

/** RUNBASE_EMULATOR_ADMIN_TOKEN: the admin token a standalone emulator takes when --admin-token is not given. */
export const emulatorAdminToken = (env: Env = process.env): string | undefined => text(env, 'RUNBASE_EMULATOR_ADMIN_TOKEN');

/** Run settings as given in the environment, for a tool that starts runs of its own (`npm run bench`). */
export function runSettingsToPassOn(env: Env = process.env): { runs?: string; seed?: string; concurrency?: string } {
  const [runs, seed, concurrency] = [text(env, 'RUNBASE_RUNS'), text(env, 'RUNBASE_SEED'), text(env, 'RUNBASE_CONCURRENCY')];
  return { ...(runs ? { runs } : {}), ...(seed ? { seed } : {}), ...(concurrency ? { concurrency } : {}) };
}

/** The RUNBASE_* settings of raw ones: what a run hands on (never the rest of the environment). */
export const runbaseOnly = (env: Env): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('RUNBASE_') && e[1] !== undefined));

/** `embedded`: the global setup's own call for the emulator it started (never a user's setting). */
export function loadConfig(processEnv: Env = process.env, opts: { dotenvPath?: string; embedded?: boolean; overrides?: Env } = {}): Config {
  return parseSettings(readSettings(processEnv, opts), opts);
}

/** The typed settings from raw ones (readSettings); throws ConfigError (ShardError for RUNBASE_SHARD). */
export function parseSettings(env: Env, opts: { embedded?: boolean } = {}): Config {
  // Set but empty is what a missing CI secret gives: never a reason to fall back to the embedded emulator.
  if (env.RUNBASE_URL !== undefined && env.RUNBASE_URL.trim() === '') throw new ConfigError('RUNBASE_URL is set but empty (a missing CI secret?); unset it to run against the embedded emulator');
  // The same for the report directory: a missing secret or variable must not move the reports elsewhere.
  if (env.RUNBASE_REPORT_DIR !== undefined && env.RUNBASE_REPORT_DIR.trim() === '') throw new ConfigError(`RUNBASE_REPORT_DIR is set but empty; unset it to write to ${DEFAULTS.reportDir}`);
  const url = text(env, 'RUNBASE_URL');
  // Once a setting, it let a user's remote run count as embedded (paid runs allowed): no longer read.
  if (env.RUNBASE_EMBEDDED !== undefined) throw new ConfigError('RUNBASE_EMBEDDED is not a setting (it would allow paid runs against RUNBASE_URL): unset it; RUNBASE_ALLOW_BILLABLE=1 allows them');
  const embedded = opts.embedded === true;
  const stray = url ? [] : targetOnlySettings(env);
  if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set but RUNBASE_URL is not: keys without a target mean a target was meant`);
  const target: Config['target'] = url ? { kind: 'remote', ...resolveApiRoot(url) } : { kind: 'embedded' };
  const kind = embedded || !url ? 'embedded' : 'remote';

  const poolName = envName('apiKeys');
  const pool = (text(env, poolName) ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  pool.forEach((_, i) => key({ [poolName]: pool[i] }, poolName));
  if (new Set(pool).size !== pool.length) throw new ConfigError(`${poolName} lists the same key twice`);
  if (url && pool.length === 0) throw new ConfigError(`${poolName} is required when RUNBASE_URL is set (one or more keys, comma-separated)`);

  const keys: Config['keys'] = { pool };
  for (const [fixture, field] of Object.entries(KEY_FIXTURES)) {
    const value = key(env, envName(fixture));
    if (value) keys[field] = value;
  }

  const allowedIpName = envName('ipRestrictedKey', 1);
  const allowedIp = text(env, allowedIpName);
  if (allowedIp !== undefined && isIP(allowedIp) === 0) throw new ConfigError(`${allowedIpName} must be an IPv4 or IPv6 address (value not shown)`);

  const [adminUrlName, adminTokenName] = [envName('emulatorState', 0), envName('emulatorState', 1)];
  const adminUrl = text(env, adminUrlName);
  const adminToken = text(env, adminTokenName);
  if (!!adminUrl !== !!adminToken) throw new ConfigError(`${adminUrlName} and ${adminTokenName} go together: set both or neither`);

  const model = text(env, 'RUNBASE_MODEL') ?? contract.models.defaultModel;
  if (!contract.models.models.some((m) => m.id === model)) {
    throw new ConfigError(`RUNBASE_MODEL must be one of ${contract.models.models.map((m) => m.id).join(', ')} (value not shown)`);
  }

  const clock = text(env, 'RUNBASE_CLOCK') ?? (embedded ? 'virtual' : 'real');
  if (clock !== 'real' && clock !== 'virtual') throw new ConfigError(`RUNBASE_CLOCK must be 'real' or 'virtual' (value not shown)`);
  if (clock === 'virtual' && !(adminUrl && adminToken)) throw new ConfigError(`RUNBASE_CLOCK=virtual needs the emulator's state API (${adminUrlName}, ${adminTokenName})`);

  const otherRun = text(env, envName('otherAccountRun'));
  const shard = parseShard(env.RUNBASE_SHARD);
  const suites = text(env, 'RUNBASE_SUITES')?.split(',').map((f) => f.trim()).filter(Boolean);
  const progress = text(env, 'RUNBASE_PROGRESS');
  if (progress !== undefined && progress !== 'live' && progress !== 'lines' && progress !== 'off') throw new ConfigError(`RUNBASE_PROGRESS must be live, lines or off, got ${JSON.stringify(progress)}`);
  const rules = ruleSelection(env.RUNBASE_RULES);
  // A selection and a shard with no rule in common would run nothing: say so instead of an empty run.
  if (rules && shard && !rules.some((id) => inShard(id, shard))) throw new ConfigError(`none of the selected rules (${rules.join(', ')}) is in shard ${shardLabel(shard)}`);
  const baseline = baselinePath(env);
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
    maxRetryAfterMs: integer(env, 'RUNBASE_MAX_RETRY_AFTER_S', DEFAULTS.maxRetryAfterSeconds, 0, 3600) * 1000,
    maxRequests: integer(env, 'RUNBASE_MAX_REQUESTS', DEFAULTS.maxRequests[kind], 1, 1_000_000),
    reportDir: text(env, 'RUNBASE_REPORT_DIR') ?? DEFAULTS.reportDir,
    clock,
    envFile: envFileOf(env),
    ...(shard ? { shard } : {}),
    ...(suites ? { suites } : {}),
    concurrency: concurrency(env),
    ...(progress ? { progress } : {}),
    ...(rules ? { rules } : {}),
    ...(baseline ? { baseline } : {}),
    failOnStale: flag(env, 'RUNBASE_FAIL_ON_STALE'),
  };
}

/** RUNBASE_CONCURRENCY: an integer from 1 (rules one after another) to 64. */
function concurrency(env: Env): number {
  const value = text(env, 'RUNBASE_CONCURRENCY');
  if (value === undefined) return DEFAULTS.concurrency;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > DEFAULTS.maxConcurrency) throw new ConfigError(`RUNBASE_CONCURRENCY must be an integer from 1 to ${DEFAULTS.maxConcurrency}, got ${JSON.stringify(value)}`);
  return n;
}

/** RUNBASE_RULES: rule ids of contracts/rules.json; an unknown one is named. */
function ruleSelection(value: string | undefined): string[] | undefined {
  try {
    return parseRuleSelection(value);
  } catch (error) {
    if (error instanceof SelectionError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Where `baseline add/prune` write and read by default: the baseline file and the report directory. */
export function baselineSettings(processEnv: Env = process.env): { file: string; reportDir: string } {
  const env = readSettings(processEnv);
  return { file: text(env, 'RUNBASE_BASELINE') ?? DEFAULTS.baseline, reportDir: text(env, 'RUNBASE_REPORT_DIR') ?? DEFAULTS.reportDir };
}

/** A named baseline must be there; the default one is used when present. Its content is read by src/report/baseline.ts. */
function baselinePath(env: Env): string | undefined {
  if (env.RUNBASE_BASELINE !== undefined && env.RUNBASE_BASELINE.trim() === '') throw new ConfigError('RUNBASE_BASELINE is set but empty');
  const named = text(env, 'RUNBASE_BASELINE');
  if (named !== undefined && !existsSync(named)) throw new ConfigError(`RUNBASE_BASELINE (--baseline) names a file that does not exist: ${named}`);
  return named ?? (existsSync(DEFAULTS.baseline) ? DEFAULTS.baseline : undefined);
}

// Runs in a child so the check is bounded in time whatever the file system does (Node's recursive
// mkdir never returns on /proc/x): create each missing level, then write and remove a probe file.
const REPORT_DIR_PROBE = `
const fs = require('node:fs'), path = require('node:path');
const dir = path.resolve(process.argv[1]);
const levels = [];
for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) levels.unshift(d);
for (const d of levels) fs.mkdirSync(d);
if (!fs.statSync(dir).isDirectory()) { const e = new Error('not a directory'); e.code = 'ENOTDIR'; throw e; }
const probe = path.join(dir, '.runbase-write-probe-' + process.pid);
fs.writeFileSync(probe, 'probe');
fs.unlinkSync(probe);
`;
const REPORT_DIR_PROBE_TIMEOUT_MS = 5_000;

/** The report directory can be created and written, checked with a real write; one line naming the setting otherwise. */
export function checkReportDir(dir: string): ConfigError | undefined {
  const child = spawnSync(process.execPath, ['-e', `try {${REPORT_DIR_PROBE}} catch (e) { process.stderr.write(String(e.code || 'error')); process.exit(3); }`, dir], {
    timeout: REPORT_DIR_PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.status === 0) return undefined;
  const why = child.error || child.signal ? `no answer from the file system within ${REPORT_DIR_PROBE_TIMEOUT_MS / 1000} s` : (child.stderr.trim().split('\n')[0] ?? 'error').slice(0, 40);
  return new ConfigError(`RUNBASE_REPORT_DIR: the report directory cannot be created and written (${why})`);
}

