// Provider verification of one interaction of the committed pact against the target. Pact's verifier
// runs in a child process (verifier-host.ts), so its printed output is captured, never shown; it talks
// to the target through the pacing/recording proxy (proxy.ts), which sets each provider state up,
// sends with the key that state maps to, and logs every exchange. Returns Pact's mismatches, as violations.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contract, contractsDir } from '../contract/index.ts';
import type { Violation } from '../oracles/types.ts';
import { PACT_FILE, PROVIDER, type PactCase } from './interactions.ts';
import { STATE_PATH, type PactProxy, type ProxyJob } from './proxy.ts';
import type { VerifierHost, VerifierResult } from './verifier-host.ts';

export const pactPath = (): string => join(contractsDir, 'pacts', PACT_FILE);

interface PactDoc { interactions: { description: string }[] }

/** A pact file holding only `c`'s interaction, so each interaction has a verdict of its own. */
function singleInteractionPact(c: PactCase): string {
  const pact = JSON.parse(readFileSync(pactPath(), 'utf8')) as PactDoc;
  const interaction = pact.interactions.find((i) => i.description.startsWith(`${c.ruleId}:`));
  if (!interaction) throw new Error(`${PACT_FILE} has no interaction for ${c.ruleId}: run \`npm run contracts:build\``);
  const file = join(mkdtempSync(join(tmpdir(), 'runbase-pact-')), PACT_FILE);
  writeFileSync(file, JSON.stringify({ ...pact, interactions: [interaction] }));
  return file;
}

interface PactMismatch { mismatch?: string; path?: string; expected?: unknown; actual?: unknown; type?: string; message?: string }
interface PactError { interaction?: string; mismatch?: { type?: string; mismatches?: PactMismatch[]; message?: string } | string }

/** The verifier's JSON errors: interaction mismatches, or errors that kept it from judging (no pact, no broker, …). */
export function errorsOf(json: string): { mismatches: PactMismatch[]; problems: string[] } {
  let parsed: { errors?: PactError[] };
  try { parsed = JSON.parse(json) as { errors?: PactError[] }; } catch { return { mismatches: [], problems: [json.slice(0, 500)] }; }
  const mismatches: PactMismatch[] = [];
  const problems: string[] = [];
  for (const e of parsed.errors ?? []) {
    if (typeof e.mismatch === 'object' && e.mismatch.mismatches?.length) mismatches.push(...e.mismatch.mismatches);
    else problems.push(typeof e.mismatch === 'object' ? e.mismatch.message ?? e.mismatch.type ?? 'error' : String(e.mismatch ?? 'error'));
  }
  return { mismatches, problems };
}

/** Pact's verdict as violations: each mismatch, or why the verifier could not judge. */
export function violationsOf(result: Pick<VerifierResult, 'ok' | 'json' | 'error'>): Violation[] {
  if (result.ok) return [];
  const { mismatches, problems } = result.json ? errorsOf(result.json) : { mismatches: [], problems: [result.error ?? 'no result'] };
  const out: Violation[] = mismatches.map((m) => ({ check: 'pactVerification', message: `Pact: ${m.mismatch ?? m.message ?? m.type ?? 'mismatch'}${m.path ? ` at ${m.path}` : ''}`, expected: JSON.stringify(m.expected ?? null), actual: JSON.stringify(m.actual ?? null) }));
  for (const p of problems) out.push({ check: 'pactVerification', message: `Pact verification failed: ${p.slice(0, 500)}`, expected: 'the pact interaction', actual: 'verification error' });
  if (out.length === 0) out.push({ check: 'pactVerification', message: 'Pact verification failed without naming a mismatch', expected: 'the pact interaction', actual: 'verification error' });
  return out;
}

/** Pact's printed text, ANSI colours removed, for a report; the caller redacts it. */
export function plainOutput(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\n{3,}/g, '\n\n').trim();
}

export interface VerifyOptions extends Omit<ProxyJob, 'setUp'> {
  proxy: PactProxy;
  host: VerifierHost;
  /** Sets the interaction's provider state up: its key and the values it hands Pact. */
  setUp: ProxyJob['setUp'];
  timeoutMs: number;
}

export interface Verification { violations: Violation[]; output: string }

/**
 * Pact's per-request timeout. Behind the proxy a request may first wait for its key's window (with
 * one key, after the rate-limited state spent it) and through the 429 backoff; the session's own
 * timeout bounds the exchange itself, so Pact's only has to outlast the pacing.
 */
export function verifierTimeoutMs(timeoutMs: number): number {
  const { windowSeconds, backoffSeconds } = contract.limits.rateLimit;
  return 2 * timeoutMs + (windowSeconds + backoffSeconds.reduce((a, b) => a + b, 0)) * 1000 + 30_000;
}

/** The verifier could not judge (it did not start, crashed, or could not read the pact): the suite's fault, not the target's. */
export class VerifierError extends Error {
  override readonly name = 'VerifierError';
}

export async function verifyInteraction(c: PactCase, opts: VerifyOptions): Promise<Verification> {
  const file = singleInteractionPact(c);
  const result = await opts.proxy.run({ setUp: opts.setUp, send: opts.send, redact: opts.redact, ...(opts.idle ? { idle: opts.idle } : {}), ...(opts.prepare ? { prepare: opts.prepare } : {}) }, () => opts.host.verify({
    provider: PROVIDER,
    providerBaseUrl: opts.proxy.url,
    pactUrls: [file],
    providerStatesSetupUrl: opts.proxy.url + STATE_PATH,
    logLevel: 'warn',
    timeout: verifierTimeoutMs(opts.timeoutMs),
  }));
  const output = opts.redact(plainOutput(result.output));
  if (!result.ok && !result.json) throw new VerifierError(`the Pact verifier could not run: ${opts.redact(result.error ?? 'no result')}${output ? `; it printed: ${output.slice(-1000)}` : ''}`);
  const redact = (v: Violation): Violation => ({ ...v, message: opts.redact(v.message), expected: opts.redact(v.expected), actual: opts.redact(v.actual) });
  return { violations: violationsOf(result).map(redact), output };
}
