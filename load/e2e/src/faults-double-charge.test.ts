/**
 * Double-charge drills (issue 13, High #1): one checkout attempt authorises at most once, and an
 * authorisation never stays without its order. Two faults, each with the pathologies as a fresh stack
 * starts (all on: with pool-starvation the order is uncommitted while payment is called) and all off:
 *  - the order service SIGKILLed while checkouts wait on payment (payment's INSERT is held on a table
 *    lock the test takes, so the kill lands during the call; payment authorises after the kill);
 *  - finishOrder failing after authorisation (the test holds the outbox table and terminates the order
 *    sessions that wait on it: a lost connection in the middle of finishing).
 * Clients retry with the same Idempotency-Key until they get a final answer. Afterwards: 0 lost orders,
 * 0 double authorisations (one AUTHORIZED payment per 201, none for anything else), and 0 authorisations
 * without a committed order once the recovery sweeper has reconciled them.
 *
 * DRILL_CHECKOUTS (default 40 per fault and mode) sets the size; docs/reliability.md has a run of 200.
 * The order service is restarted with PAYMENT_RECONCILE_AFTER_SECONDS=20 so the sweeper's pass comes
 * within the drill; it is restarted with the stack's settings at the end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import {
  checkoutUntilFinal,
  connect,
  ensureStackUp,
  keepScenarios,
  scenariosOff,
  sleep,
  sql,
  stack,
  verifyDrill,
  waitUntil,
  allReady,
  type ClientOutcome,
} from './faults';
import { cart } from './stack';

const checkoutsPerRun = Number(process.env.DRILL_CHECKOUTS ?? 40);
const roundSize = Math.min(checkoutsPerRun, 20);
const reconcileAfterSeconds = 20;

type Mode = 'pathologies on' | 'pathologies off';

async function restartOrder(mode: Mode): Promise<void> {
  await stack('start', 'order');
  // A (re)started order service comes back with its pathologies on, as a fresh stack does.
  if (mode === 'pathologies off') await scenariosOff();
}

/** Sessions of a service waiting on a lock while running a statement that starts with `statement`. */
async function waitingOn(database: 'order' | 'payment', application: string, statement: string): Promise<number[]> {
  const rows = await sql<{ pid: number }>(
    database,
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE $2",
    [application, `${statement}%`],
  );
  return rows.map((row) => row.pid);
}

/** One round of `size` clients, each one checkout with its own key, retried until final. */
function startRound(size: number, label: string): Promise<ClientOutcome[]> {
  return Promise.all(
    Array.from({ length: size }, async (_, index) => {
      const key = `double-charge-${label}-${index}-${randomUUID()}`;
      const body = cart(1 + (index % 3), index % 7 === 3 ? 'tok_chargeDeclined' : 'tok_visa');
      const startedAt = Date.now();
      const { attempts, final } = await checkoutUntilFinal(body, key, startedAt + 180_000);
      return { key, body, startedAt, endedAt: Date.now(), attempts, final };
    }),
  );
}

/** Holds a table lock on a fresh connection until `release` is called. */
async function holdTable(database: 'order' | 'payment', table: string, mode: string): Promise<{ release(): Promise<void> }> {
  const client: pg.Client = await connect(database);
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  return {
    async release() {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** SIGKILL of order while the round's checkouts wait on payment's INSERT. */
async function killDuringPayment(size: number, label: string, mode: Mode): Promise<ClientOutcome[]> {
  const lock = await holdTable('payment', 'payments', 'SHARE ROW EXCLUSIVE');
  let round: Promise<ClientOutcome[]>;
  try {
    round = startRound(size, label);
    await waitUntil(
      'a payment call to wait on the held payments table',
      async () => (await waitingOn('payment', 'payment-service', 'INSERT INTO payments')).length > 0,
      30_000,
      50,
    );
    await sleep(500);
    await stack('kill', 'order');
  } finally {
    // Payment now authorises the calls of a dead order service.
    await lock.release();
  }
  await restartOrder(mode);
  return round;
}

/** finishOrder loses its connection after authorisation: the order sessions waiting on the outbox are terminated. */
async function failFinishing(size: number, label: string): Promise<{ outcomes: ClientOutcome[]; terminated: number }> {
  const lock = await holdTable('order', 'outbox', 'EXCLUSIVE');
  let terminated = 0;
  let round: Promise<ClientOutcome[]>;
  try {
    round = startRound(size, label);
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline) {
      for (const pid of await waitingOn('order', 'order-service', 'INSERT INTO outbox')) {
        const [row] = await sql<{ ok: boolean }>('order', 'SELECT pg_terminate_backend($1) AS ok', [pid]);
        if (row?.ok) terminated += 1;
      }
      await sleep(100);
    }
  } finally {
    await lock.release();
  }
  return { outcomes: await round, terminated };
}

/** AUTHORIZED payments since `since` that belong to no 201 answer (orphans), and the count per 201 order. */
async function authorisations(
  since: Date,
  outcomes: ClientOutcome[],
): Promise<{ orphans: string[]; doubles: string[]; authorised: number }> {
  const paid = new Set(
    outcomes.flatMap((outcome) =>
      outcome.final?.kind === 'answer' && outcome.final.status === 201 ? [String(outcome.final.body.orderId)] : [],
    ),
  );
  const customers = [...new Set(outcomes.map((outcome) => outcome.body.customerId))];
  const rows = await sql<{ order_id: string }>(
    'payment',
    "SELECT order_id::text FROM payments WHERE status = 'AUTHORIZED' AND created_at >= $1 AND customer_id = ANY($2::text[])",
    [since, customers],
  );
  const perOrder = new Map<string, number>();
  for (const row of rows) perOrder.set(row.order_id, (perOrder.get(row.order_id) ?? 0) + 1);
  return {
    orphans: rows.filter((row) => !paid.has(row.order_id)).map((row) => row.order_id),
    doubles: [...perOrder].filter(([, n]) => n > 1).map(([id]) => id),
    authorised: rows.length,
  };
}

async function verify(label: string, since: Date, outcomes: ClientOutcome[], extra: Record<string, number> = {}): Promise<void> {
  const { figures, problems } = await verifyDrill(outcomes, since, 120_000);
  // Orphan authorisations are voided once unanswered for reconcileAfterSeconds (sweeper every 5 s).
  let found = await authorisations(since, outcomes);
  const deadline = Date.now() + (reconcileAfterSeconds + 60) * 1_000;
  while (found.orphans.length > 0 && Date.now() < deadline) {
    await sleep(2_000);
    found = await authorisations(since, outcomes);
  }
  const voided = await sql<{ n: number }>(
    'payment',
    "SELECT count(*)::int AS n FROM payments WHERE status = 'VOIDED' AND created_at >= $1 AND customer_id = ANY($2::text[])",
    [since, [...new Set(outcomes.map((outcome) => outcome.body.customerId))]],
  );
  const doubleAuthorisations = found.doubles.length + Math.max(0, found.authorised - figures.paid - found.orphans.length);
  console.log(
    `[reliability] double-charge drill (${label}): ${JSON.stringify({ ...figures, ...extra, authorised: found.authorised, doubleAuthorisations, orphansAfterSweeper: found.orphans.length, voided: voided[0]!.n })}`,
  );
  assert.deepEqual(problems, []);
  assert.equal(figures.lost, 0, 'every client got a final answer, every 201 order exists');
  assert.equal(found.authorised, figures.paid, 'one authorisation per 201 order, no other');
  assert.deepEqual(found.doubles, []);
  assert.deepEqual(found.orphans, [], 'no authorisation left without its order after the sweeper');
  assert.ok(figures.retried > 0, 'the fault did hit checkouts (clients had to retry)');
}

describe('one checkout attempt authorises at most once (SIGKILL during payment, finishOrder failing)', { timeout: 1_800_000 }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  let previous: string | undefined;

  before(async () => {
    restoreScenarios = await keepScenarios();
    previous = process.env.PAYMENT_RECONCILE_AFTER_SECONDS;
    process.env.PAYMENT_RECONCILE_AFTER_SECONDS = String(reconcileAfterSeconds);
    await stack('restart', 'order');
    await waitUntil('the stack to be ready', allReady, 60_000);
  });

  after(async () => {
    if (previous === undefined) delete process.env.PAYMENT_RECONCILE_AFTER_SECONDS;
    else process.env.PAYMENT_RECONCILE_AFTER_SECONDS = previous;
    try {
      await ensureStackUp();
      await stack('restart', 'order');
      await waitUntil('the stack to be ready again', allReady, 60_000);
    } finally {
      await restoreScenarios();
    }
  });

  for (const mode of ['pathologies on', 'pathologies off'] as const) {
    it(`SIGKILL of order during the payment call, ${checkoutsPerRun} checkouts (${mode})`, async () => {
      await restartOrder(mode);
      const since = new Date(Date.now() - 1_000);
      const outcomes: ClientOutcome[] = [];
      for (let done = 0, round = 0; done < checkoutsPerRun; done += roundSize, round += 1) {
        outcomes.push(
          ...(await killDuringPayment(Math.min(roundSize, checkoutsPerRun - done), `kill-${mode.split(' ')[1]}-${round}`, mode)),
        );
      }
      await verify(`order SIGKILLed during payment, ${mode}`, since, outcomes);
    });

    it(`finishOrder failing after authorisation, ${checkoutsPerRun} checkouts (${mode})`, async () => {
      await restartOrder(mode);
      const since = new Date(Date.now() - 1_000);
      const outcomes: ClientOutcome[] = [];
      let terminated = 0;
      for (let done = 0, round = 0; done < checkoutsPerRun; done += roundSize, round += 1) {
        const result = await failFinishing(Math.min(roundSize, checkoutsPerRun - done), `finish-${mode.split(' ')[1]}-${round}`);
        outcomes.push(...result.outcomes);
        terminated += result.terminated;
      }
      assert.ok(terminated > 0, 'some finishing sessions were terminated');
      await verify(`finishOrder failing after authorisation, ${mode}`, since, outcomes, { terminated });
    });
  }
});
