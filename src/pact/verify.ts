// Provider verification of one interaction of the committed pact against the target, with Pact's
// Verifier: the state handler sets the state up, the request filter puts in the fixture key the
// state maps to (and the target's API root). Returns Pact's mismatches, as violations.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { contract, contractsDir } from '../contract/index.ts';
import type { Violation } from '../oracles/types.ts';
import { PACT_FILE, type PactCase } from './interactions.ts';

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

interface PactMismatch { mismatch?: string; path?: string; expected?: unknown; actual?: unknown; type?: string }

/** Pact's rejection carries JSON with each mismatch; anything else is a verification error. */
export function mismatchesOf(error: unknown): Violation[] {
  const text = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(text) as { errors?: { mismatch?: { mismatches?: PactMismatch[] } | string }[] };
    const out = (parsed.errors ?? []).flatMap((e) => typeof e.mismatch === 'object' ? e.mismatch.mismatches ?? [] : [{ mismatch: String(e.mismatch) }]);
    if (out.length) {
      return out.map((m) => ({ check: 'pactVerification', message: `Pact: ${m.mismatch ?? m.type ?? 'mismatch'}${m.path ? ` at ${m.path}` : ''}`, expected: JSON.stringify(m.expected ?? null), actual: JSON.stringify(m.actual ?? null) }));
    }
  } catch { /* not Pact's JSON */ }
  return [{ check: 'pactVerification', message: `Pact verification failed: ${text.slice(0, 500)}`, expected: 'the pact interaction', actual: 'verification error' }];
}

export interface VerifyOptions {
  /** The target's API root; the pact's paths use the documented /api/v1, rewritten to it. */
  apiRoot: string;
  /** The key the state maps to; null: the request goes without Authorization. */
  key: string | null;
  /** Sets the state up; may return values the interaction reads (e.g. { runId }). */
  setUp: () => Promise<Record<string, string> | undefined>;
  timeoutMs: number;
}

export async function verifyInteraction(c: PactCase, opts: VerifyOptions): Promise<Violation[]> {
  const target = new URL(opts.apiRoot);
  const documentedRoot = contract.limits.apiRootPath;
  const rootPath = target.pathname.replace(/\/$/, '');
  const filter = (req: { headers: Record<string, unknown>; url?: string }, _res: unknown, next: () => void): void => {
    if (opts.key) req.headers.authorization = `${contract.limits.keys.scheme} ${opts.key}`;
    else delete req.headers.authorization;
    if (rootPath !== documentedRoot && req.url?.startsWith(documentedRoot)) req.url = rootPath + req.url.slice(documentedRoot.length);
    next();
  };
  try {
    await new Verifier({
      provider: 'runbase-api',
      providerBaseUrl: target.origin,
      pactUrls: [singleInteractionPact(c)],
      logLevel: 'warn',
      timeout: opts.timeoutMs,
      stateHandlers: { [c.state]: async () => (await opts.setUp()) ?? undefined },
      requestFilter: filter as VerifierOptions['requestFilter'],
    }).verifyProvider();
    return [];
  } catch (error) {
    return mismatchesOf(error);
  }
}
