// The success path: billable, so only against the emulator or with RUNBASE_ALLOW_BILLABLE=1.
import { describe } from 'vitest';
import { contract } from '../src/contract/index.ts';
import { rule } from '../src/conformance/rule.ts';
import { createRun } from '../src/conformance/requests.ts';
import { createOneRun, keyOnOwnAccount, pollToEnd, withOwnPoolKey } from '../src/conformance/runs.ts';
import { adminClient } from '../src/conformance/admin.ts';
import { createdRun, failedRunDescribed, statusNeverBackwards, succeededRun } from '../src/oracles/runs.ts';
import { violation } from '../src/oracles/types.ts';
import { everyEnumValue, validCreateBody } from '../src/generators/index.ts';

const [SUCCEEDED, FAILED] = contract.limits.runs.terminalStatuses as [string, string];

describe('success path', () => {
  rule('RUN-CREATE', async (r) => {
    await r.forAll(validCreateBody(contract.models.models), async (body) => createdRun(await r.send(createRun(body)), body.model), {
      numRuns: Math.min(r.session.config.runs, r.session.embedded ? 100 : 10),
    });
    // Every documented enum value once, which a random sample may miss. Against an emulator only
    // (its state API is configured): on a paid target that is a hundred billable runs.
    if (!r.session.config.admin) return r.partly('the sweep of every documented enum value runs against emulators only (about 100 billable creates)');
    for (const model of contract.models.models) {
      for (const input of everyEnumValue(model)) {
        const exchange = await r.send(createRun({ model: model.id, input }));
        r.countCase();
        r.judge(exchange, createdRun(exchange, model.id));
      }
    }
  });

  rule('RUN-READ', async (r) => {
    const run = await withOwnPoolKey(r, async (auth) => {
      const created = await createOneRun(r, auth);
      return created && { ...created, ...(await pollToEnd(r, created.id, auth)) };
    });
    if (!run) return;
    const { history } = run;
    r.observe('statuses seen while polling', history.join(' → '));
    // A run that never changed status exercised nothing of "never moves backwards". The docs give no
    // time within which a run must progress, so this is not a failure either (a run that never
    // succeeds fails RUN-SUCCEEDED): the rule is inconclusive, unless a read already broke it.
    if (new Set(history).size <= 1 && history.length > 0 && !history.some((s) => contract.limits.runs.terminalStatuses.includes(s))) {
      return r.inconclusive(`the run stayed ${history[0]} through all ${history.length} polls, so its status transitions were never seen`);
    }
    r.countCase(history.length);
    r.judge(undefined, statusNeverBackwards(history));
  });

  rule('RUN-SUCCEEDED', async (r) => {
    // A real target may fail a run now and then; three runs give it room to succeed once.
    await withOwnPoolKey(r, async (auth) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const run = await createOneRun(r, auth, attempt);
        if (!run) return;
        const { history, last } = await pollToEnd(r, run.id, run.auth);
        r.countCase();
        if (history[history.length - 1] === SUCCEEDED && last) {
          r.judge(last, succeededRun(last));
          return;
        }
        r.note(`run ${attempt + 1} ended ${history[history.length - 1] ?? 'unread'}`);
      }
      r.judge(undefined, violation('succeededRun', 'no run succeeded in three attempts', SUCCEEDED, 'no succeeded run'));
    });
  });

  rule('RUN-CHARGE-REFUND', async (r) => {
    const admin = adminClient(r.session);
    // An account of its own: the balance read here is changed by no other rule's creates.
    const auth = await keyOnOwnAccount(r, 4, 'CHARGE_REFUND_KEY');
    const { key } = auth;
    const before = await admin.balanceOfKey(key);
    const charged = await createOneRun(r, auth, 1);
    if (!charged) return;
    const afterCreate = await admin.balanceOfKey(key);
    r.countCase();
    r.judge(charged.exchange, afterCreate === before - charged.costUsd ? [] :
      violation('chargedAtCreate', 'the balance did not drop by costUsd when the run was created', `${before - charged.costUsd}`, `${afterCreate}`));
    await pollToEnd(r, charged.id, auth);

    await admin.failNextRun(key);
    const failing = await createOneRun(r, auth, 2);
    if (!failing) return;
    const charged2 = await admin.balanceOfKey(key);
    const { history, last } = await pollToEnd(r, failing.id, auth);
    const refunded = await admin.balanceOfKey(key);
    r.countCase();
    if (history[history.length - 1] !== FAILED) {
      r.judge(last, violation('failedRun', 'the run the emulator was told to fail did not fail', FAILED, history.join(' → ')));
      return;
    }
    r.judge(last, [
      ...(refunded === charged2 + failing.costUsd ? [] : violation('refundedOnFailure', 'a failed run was not refunded in full', `${charged2 + failing.costUsd}`, `${refunded}`)),
      ...(last ? failedRunDescribed(last) : []),
    ]);
  });
});
