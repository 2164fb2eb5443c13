// Typed loaders for contracts/: the one home of every code, limit, model and rule.
// Everything in src/ and suites/ reads the contract through this module.
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const contractsDir = fileURLToPath(new URL('../../contracts/', import.meta.url));

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(contractsDir, name), 'utf8')) as T;
}

export interface ErrorEntry {
  status: number;
  code: string;
  cause: string;
  fix: string;
  doc: string;
  /** The one documented message text, where there is one. */
  message?: string;
}

export type FaultName =
  | 'notJson' | 'emptyBody' | 'modelMissing' | 'notObject' | 'inputMissing' | 'inputArray'
  | 'unknownModel' | 'schemaViolation' | 'noAuth' | 'malformedAuth' | 'unknownKey' | 'disabledKey'
  | 'expiredKey' | 'lowBalance' | 'spendReached' | 'ipNotAllowed' | 'quotaExhausted'
  | 'rateLimited' | 'unknownRun';

export interface ErrorCatalogue {
  envelope: { doc: string; shape: string };
  errors: ErrorEntry[];
  serverError: { status: number; code: null; cause: string; fix: string; doc: string };
  faults: Record<FaultName, { code: string; what: string }>;
}

export interface Limits {
  apiRootPath: string;
  endpoints: Record<'createRun' | 'readRun', { method: string; path: string; successStatus: number; doc: string; successStatusDocumented?: boolean }>;
  rateLimit: { requests: number; windowSeconds: number; scope: string; sharedBy: string[]; message: string; backoffSeconds: number[]; doc: string };
  keys: { prefix: string; scheme: string; ipWhitelistMax: number; spendLimitUnit: string; doc: string };
  money: { costUnit: string; microUsdPerCent: number; chargedAt: string; refundOnFailure: string; doc: string };
  runs: { idPrefix: string; statuses: string[]; initialStatus: string; terminalStatuses: string[]; pollIntervalSeconds: number; doc: string };
}

export interface JsonSchema {
  type?: string;
  enum?: string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  maxItems?: number;
  description?: string;
  [key: string]: unknown;
}

export interface ModelEntry {
  id: string;
  doc: string;
  kind: 'image' | 'video';
  input: JsonSchema;
  price: {
    microUsd: number;
    documented: boolean;
    source: string;
    byField?: { field: string; default: string; defaultDocumented: boolean; values: Record<string, number> };
  };
}

export interface ModelCatalogue { defaultModel: string; models: ModelEntry[] }

export type Level = 'gate' | 'warn' | 'observe';

export interface RuleEntry {
  id: string;
  family: string;
  level: Level;
  title: string;
  oracle: string;
  fixtures: string[];
  billable: boolean;
  security?: boolean;
  /**
   * The answers the rule judges, when only the target's own faults produce them (SRV-500-SHAPE: "500
   * answers"). A run without any leaves the rule skipped, never passed; RUNBASE_REQUIRE_ALL does not fail
   * it, as no fixture or setting could make a conforming target produce one.
   */
  onlyOn?: string;
  doc: string;
}

export interface RuleCatalogue { families: string[]; rules: RuleEntry[] }

export interface FixtureEntry { env: string[]; list?: boolean; minItems?: number; what: string }

/** A header some proxy, CDN or framework uses to carry the client's address (contracts/client-ip-headers.json). */
export interface ClientIpHeader {
  name: string;
  /** ip: one address; list: comma-separated, client first; forwarded: RFC 7239; ip-port: address and port. */
  format: 'ip' | 'list' | 'forwarded' | 'ip-port';
  setBy: string;
  source: string;
  original?: boolean;
}

export interface Contract {
  errors: ErrorCatalogue;
  limits: Limits;
  models: ModelCatalogue;
  rules: RuleCatalogue;
  fixtures: Record<string, FixtureEntry>;
  clientIpHeaders: ClientIpHeader[];
  /** sha256 over every file in contracts/ (names and bytes), first 16 hex digits. */
  version: string;
}

function contractVersion(): string {
  const hash = createHash('sha256');
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), rel + '/');
      else hash.update(rel).update('\0').update(readFileSync(join(dir, entry.name))).update('\0');
    }
  };
  walk(contractsDir, '');
  return hash.digest('hex').slice(0, 16);
}

export function loadContract(): Contract {
  return {
    errors: readJson<ErrorCatalogue>('errors.json'),
    limits: readJson<Limits>('limits.json'),
    models: readJson<ModelCatalogue>('models.json'),
    rules: readJson<RuleCatalogue>('rules.json'),
    fixtures: readJson<{ fixtures: Record<string, FixtureEntry> }>('fixtures.json').fixtures,
    clientIpHeaders: readJson<{ headers: ClientIpHeader[] }>('client-ip-headers.json').headers,
    version: contractVersion(),
  };
}

/** The contract, read once per process. The files are immutable while a run is under way. */
export const contract: Contract = loadContract();

// Small lookups, so callers never scan the tables by hand.

export function errorByCode(code: string, c: Contract = contract): ErrorEntry {
  const entry = c.errors.errors.find((e) => e.code === code);
  if (!entry) throw new Error(`contracts/errors.json has no code ${JSON.stringify(code)}`);
  return entry;
}

export function errorForFault(fault: FaultName, c: Contract = contract): ErrorEntry {
  return errorByCode(c.errors.faults[fault].code, c);
}

/** Documented codes for a status, exact case; empty for an undocumented status. */
export function codesForStatus(status: number, c: Contract = contract): string[] {
  return c.errors.errors.filter((e) => e.status === status).map((e) => e.code);
}

/** The statuses that the docs say carry the error envelope. */
export function documentedErrorStatuses(c: Contract = contract): number[] {
  return [...new Set(c.errors.errors.map((e) => e.status))].sort((a, b) => a - b);
}

export function ruleById(id: string, c: Contract = contract): RuleEntry {
  const rule = c.rules.rules.find((r) => r.id === id);
  if (!rule) throw new Error(`contracts/rules.json has no rule ${JSON.stringify(id)}`);
  return rule;
}

export function modelById(id: string, c: Contract = contract): ModelEntry | undefined {
  return c.models.models.find((m) => m.id === id);
}

/** The price of one run of `model` with `input`, in micro-USD (contracts/models.json). */
export function runCost(model: ModelEntry, input: Record<string, unknown>): number {
  const by = model.price.byField;
  if (!by) return model.price.microUsd;
  const value = input[by.field];
  return (typeof value === 'string' ? by.values[value] : undefined) ?? by.values[by.default] ?? model.price.microUsd;
}
