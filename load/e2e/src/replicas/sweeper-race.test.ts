/**
 * Sweeper race: both order replicas run the recovery sweeper every 5 s over the same table. Orders left
 * PENDING by a crash (written here as a killed checkout leaves them: committed PENDING, no payment, older
 * than any live checkout) are each finished exactly once: one replica claims each order, so payment
 * receives one decline-if-undecided per order (a second one would have moved the payment's answered_at
 * past its created_at) and exactly one replica logs its recovery.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { drillHooks, sql, waitUntil } from '../faults';
import { replicaLogLines, replicaLogSize, requireReplicas, slots } from './replicas';

// More than one pass of one sweeper takes (50 orders a pass, every 5 s), so both replicas' passes meet them.
const ORDERS = 150;

describe('recovery sweepers of two order replicas', { timeout: 300_000 }, () => {
  drillHooks(async () => {
    requireReplicas();
  });

  it('finishes each order left PENDING exactly once (one decline-if-undecided claim per order)', async () => {
    const offsets = new Map(slots().map((slot) => [slot, replicaLogSize('order', slot)]));
    const ids: string[] = Array.from({ length: ORDERS }, () => randomUUID());
    // All at once, so that no sweeper pass starts on a part of them.
    await sql(
      'order',
      `INSERT INTO orders (id, customer_id, status, total, created_at, updated_at)
       SELECT planted.order_id, c.id, 'PENDING', 10 + planted.n, now() - interval '2 minutes', now() - interval '2 minutes'
         FROM unnest($1::uuid[]) WITH ORDINALITY AS planted (order_id, n)
         JOIN LATERAL (SELECT customers.id FROM customers ORDER BY customers.id OFFSET (planted.n % 100) LIMIT 1) c ON true`,
      [ids],
    );
    await waitUntil(
      'every planted order to be finished by a sweeper',
      async () =>
        (
          await sql<{ n: number }>('order', `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'PENDING'`, [
            ids,
          ])
        )[0]!.n === 0,
      90_000,
      500,
    );
    const statuses = await sql<{ status: string; n: number }>(
      'order',
      'SELECT status, count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) GROUP BY status',
      [ids],
    );
    assert.deepEqual(statuses, [{ status: 'PAYMENT_FAILED', n: ORDERS }]);
    const payments = await sql<{ order_id: string; status: string; decline_reason: string; claims_once: boolean }>(
      'payment',
      'SELECT order_id::text, status, decline_reason, answered_at = created_at AS claims_once FROM payments WHERE order_id = ANY($1::uuid[])',
      [ids],
    );
    assert.equal(payments.length, ORDERS, 'one payment row per order');
    for (const payment of payments) {
      assert.equal(payment.status, 'DECLINED');
      assert.equal(payment.decline_reason, 'checkout_interrupted');
      assert.equal(payment.claims_once, true, `order ${payment.order_id}: payment was asked to decline more than once`);
    }
    // Let a late second sweeper pass log, if there were one, before counting.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const recoveredBy = new Map<string, number[]>();
    for (const slot of slots()) {
      for (const line of replicaLogLines('order', slot, offsets.get(slot))) {
        if (line.msg !== 'recovered a pending order' || !ids.includes(String(line.orderId))) continue;
        recoveredBy.set(String(line.orderId), [...(recoveredBy.get(String(line.orderId)) ?? []), slot]);
      }
    }
    const twice = [...recoveredBy.entries()].filter(([, by]) => by.length !== 1);
    console.log(
      `[replicas] sweeper race: ${ORDERS} orders, recovered by replica ${JSON.stringify(Object.fromEntries(slots().map((slot) => [slot, [...recoveredBy.values()].filter((by) => by[0] === slot).length])))}`,
    );
    assert.equal(recoveredBy.size, ORDERS, 'every order recovered');
    for (const slot of slots())
      assert.ok(
        [...recoveredBy.values()].some((by) => by[0] === slot),
        `order.${slot}'s sweeper took part (the race happened)`,
      );
    assert.deepEqual(twice, [], 'no order recovered twice');
  });
});
