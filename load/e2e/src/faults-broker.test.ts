/**
 * Broker outage: RabbitMQ is stopped in the middle of a run of checkouts and started again. The
 * checkouts keep succeeding (the order.paid event waits in the order outbox), and once the broker is
 * back every PAID order ends SHIPPED, with exactly one shipment each (read from the shipping database).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillHooks, allReady, sleep, someBody, sql, stack, startLoad, reservationDrift, verifyDrill, waitUntil } from './faults';

describe('RabbitMQ outage during checkouts', { timeout: 240_000 }, () => {
  drillHooks();

  it('loses and duplicates nothing: every PAID order ends SHIPPED, one shipment each', async () => {
    const since = new Date(Date.now() - 1_000);
    const driftBefore = await reservationDrift();
    const load = startLoad(4, someBody);
    const down = { from: 0, to: 0 };
    try {
      await sleep(3_000);
      await stack('stop', 'rabbitmq');
      down.from = Date.now();
      await sleep(6_000);
      down.to = Date.now();
    } finally {
      await stack('start', 'rabbitmq');
    }
    await waitUntil('services reconnected to RabbitMQ', allReady, 30_000);
    await sleep(3_000);
    const outcomes = await load.stop();

    const duringOutage = outcomes.filter(
      (outcome) =>
        outcome.startedAt >= down.from && outcome.endedAt <= down.to && outcome.final?.kind === 'answer' && outcome.final.status === 201,
    );
    assert.ok(duringOutage.length >= 5, `checkouts kept succeeding while the broker was down (${duringOutage.length})`);

    const { figures, problems } = await verifyDrill(outcomes, since, 90_000);
    console.log(`[reliability] broker outage: ${JSON.stringify({ ...figures, paidDuringOutage: duringOutage.length })}`);
    assert.deepEqual(problems, []);
    assert.equal(figures.lost, 0);
    assert.equal(figures.duplicates, 0);

    // Straight from the shipping database: one shipment per order (the unique index), and as many as paid orders.
    const shipments = await sql<{ n: number; orders: number }>(
      'shipping',
      'SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS orders FROM shipments WHERE created_at >= $1',
      [since],
    );
    assert.equal(shipments[0]!.n, figures.paid, 'shipments made during the drill = PAID orders made');
    assert.equal(shipments[0]!.orders, shipments[0]!.n, 'no order shipped twice');
    assert.equal(await reservationDrift(), driftBefore, 'one carrier slot reserved per shipment, none leaked');
    // Nothing stuck behind: the outboxes are empty and no event was dead-lettered.
    await waitUntil(
      'outboxes drained',
      async () => {
        const order = await sql<{ n: number }>('order', 'SELECT count(*)::int AS n FROM outbox');
        const shipping = await sql<{ n: number }>('shipping', 'SELECT count(*)::int AS n FROM outbox');
        return order[0]!.n === 0 && shipping[0]!.n === 0;
      },
      20_000,
    );
  });
});
