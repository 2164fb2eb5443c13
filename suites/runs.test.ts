// 404 — runs that are not yours, or not there.
import { describe } from 'vitest';
import { rule } from '../src/conformance/rule.ts';
import { expectedFor, readRun } from '../src/conformance/requests.ts';
import { createOneRun } from '../src/conformance/runs.ts';
import { describeAnswer, isOneOfErrors } from '../src/oracles/error-answer.ts';
import { runNotDisclosed } from '../src/oracles/run-leak.ts';
import { oddRunIdCatalogue, unknownRunId, runPathVariants } from '../src/generators/index.ts';
import { sendProbe } from '../src/conformance/patterns.ts';
import { readRun as readRunOracle } from '../src/oracles/runs.ts';
import type { RuleRun } from '../src/conformance/rule.ts';
import type { Auth } from '../src/conformance/session.ts';

/** Every path variant of a run that is not the caller's: any answer but the run (path handling is undocumented). */
async function noVariantDisclosesRun(r: RuleRun, runId: string, auth: Auth): Promise<void> {
  for (const { variant, path } of runPathVariants(runId)) {
    const exchange = await r.send({ ...readRun(runId, auth), path, undocumentedSurface: true });
    r.countCase();
    r.judge(exchange, runNotDisclosed(exchange, runId).map((v) => ({ ...v, message: `${v.message} (${variant})` })));
  }
}

describe('runs', () => {
  rule('RUN-NOT-FOUND', async (r) => {
    // Odd ids every run (NUL, very long, non-ASCII); an answer that never comes fails this rule only.
    for (const { id } of oddRunIdCatalogue()) {
      const exchange = await sendProbe(r, readRun(id));
      if (!exchange) continue;
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('unknownRun')));
    }
    await r.forAll(unknownRunId(), async (id) => isOneOfErrors(await r.send(readRun(id)), expectedFor('unknownRun')));
  });

  rule('RUN-OTHER-ACCOUNT', async (r) => {
    // First prove the fixture: account B reads its own run. A mistyped id would otherwise pass.
    const { otherAccountRunId: runId, keys } = r.session.config;
    if (!keys.otherAccount) return r.skip('fixture run not readable by account B: RUNBASE_OTHER_ACCOUNT_KEY is needed to prove RUNBASE_OTHER_ACCOUNT_RUN_ID exists');
    const own = await r.send(readRun(runId!, { kind: 'key', key: keys.otherAccount }));
    if (readRunOracle(own).violations.length > 0 || (own.response.json as { id?: unknown } | undefined)?.id !== runId) {
      return r.skip(`fixture run not readable by account B: reading RUNBASE_OTHER_ACCOUNT_RUN_ID with RUNBASE_OTHER_ACCOUNT_KEY answered ${describeAnswer(own)}`);
    }
    r.premise(own);
    // Account B's run, read with account A's keys.
    for (const key of r.session.config.keys.pool.slice(0, 2)) {
      const exchange = await r.send(readRun(r.session.config.otherAccountRunId!, { kind: 'key', key }));
      r.countCase();
      r.judge(exchange, isOneOfErrors(exchange, expectedFor('unknownRun')));
    }
    // Any key of account A will do: spread over the pool, so no one key sets the pace.
    await noVariantDisclosesRun(r, r.session.config.otherAccountRunId!, { kind: 'pool' });
    // And the other way round, when a run may be created: account A's new run, read by account B.
    const otherKey = r.session.config.keys.otherAccount;
    if (!otherKey || !r.session.config.allowBillable) {
      r.partly('A reading B\'s run only; B reading A\'s new run needs RUNBASE_OTHER_ACCOUNT_KEY and RUNBASE_ALLOW_BILLABLE=1');
      return;
    }
    const run = await createOneRun(r, { kind: 'pool' });
    if (!run) return;
    const exchange = await r.send(readRun(run.id, { kind: 'key', key: otherKey }));
    r.countCase();
    r.judge(exchange, isOneOfErrors(exchange, expectedFor('unknownRun')));
    await noVariantDisclosesRun(r, run.id, { kind: 'key', key: otherKey });
  });

  rule('RUN-OTHER-KEY-SAME-ACCOUNT', async (r) => {
    const [first, second] = r.session.config.keys.pool;
    const run = await createOneRun(r, { kind: 'key', key: first! });
    if (!run) return;
    const exchange = await r.send(readRun(run.id, { kind: 'key', key: second! }));
    r.countCase();
    r.observe('run read with another key of the same account', describeAnswer(exchange), exchange);
  });
});
