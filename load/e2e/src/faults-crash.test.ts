/**
 * Crash drills: each service is SIGKILLed in turn during a run of checkouts and started again.
 * Clients behave as the API asks (retry with the same Idempotency-Key when they get no answer, a 503
 * or a 409 request_in_progress). Afterwards nothing is lost or duplicated: every 201 order exists and
 * ends SHIPPED, every 402 has exactly one DECLINED payment, orders left PENDING by the killed order
 * service are finished by its recovery sweeper, and every key made at most one order.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import amqp from 'amqplib';
import {
  drillHooks,
  attemptCheckout,
  checkoutUntilFinal,
  connect,
  ensureStackUp,
  logLinesSince,
  logSize,
  scenariosOff,
  sleep,
  someBody,
  sql,
  stack,
  startLoad,
  reservationDrift,
  verifyDrill,
  waitUntil,
} from './faults';
import { cart, config, waitForOrderStatus, type ServiceName } from './stack';

describe('services killed (SIGKILL) during checkouts', { timeout: 300_000 }, () => {
  drillHooks();

  it('loses and duplicates no order, payment or shipment when payment, shipping and order are killed in turn', async () => {
    const since = new Date(Date.now() - 1_000);
    const orderLog = logSize('order');
    const driftBefore = await reservationDrift();
    const load = startLoad(6, someBody, { retryForMs: 120_000 });
    try {
      for (const service of ['payment', 'shipping', 'order'] as ServiceName[]) {
        await sleep(2_500);
        await stack('kill', service);
        await sleep(1_000);
        await stack('start', service);
        // A restarted service comes back with its pathologies switched on: off again.
        await scenariosOff();
      }
      await sleep(2_000);
    } finally {
      await ensureStackUp();
    }
    const outcomes = await load.stop();
    const { figures, problems } = await verifyDrill(outcomes, since, 90_000);
    // Orders the killed order service left PENDING, settled by the restarted one's recovery sweeper.
    const answered = new Set(outcomes.map((outcome) => (outcome.final?.kind === 'answer' ? String(outcome.final.body.orderId) : '')));
    const recovered = logLinesSince('order', orderLog).filter(
      (line) => line.msg === 'recovered a pending order' && answered.has(String(line.orderId)),
    ).length;
    console.log(
      `[reliability] crash drill (payment, shipping, order SIGKILLed in turn): ${JSON.stringify({ ...figures, recoveredBySweeper: recovered })}`,
    );
    assert.deepEqual(problems, []);
    assert.equal(figures.lost, 0);
    assert.equal(figures.duplicates, 0);
    assert.ok(figures.retried > 0, 'some clients had to retry (the kills did hit checkouts)');
    assert.equal(await reservationDrift(), driftBefore, 'one carrier slot reserved per shipment, none leaked');
  });

  it('lets a client finish its checkout when the order service died between claiming the key and committing the order', async () => {
    // Hold the stock row of the cart's product so the checkout blocks inside its first transaction,
    // after the Idempotency-Key was claimed; kill the order service there, then retry with the key.
    const since = new Date(Date.now() - 1_000);
    const body = cart(1);
    const key = `crash-claim-${randomUUID()}`;
    const locker = await connect('order');
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = $1 FOR UPDATE OF s', [
        body.items[0]!.sku,
      ]);
      const inFlight = attemptCheckout(body, { 'idempotency-key': key }, 20_000);
      await waitUntil(
        'the key to be claimed',
        async () => (await sql('order', 'SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).length === 1,
        10_000,
        50,
      );
      await sleep(200);
      await stack('kill', 'order');
      const lost = await inFlight;
      assert.equal(lost.kind, 'no-answer', 'the killed request got no answer');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await stack('start', 'order');
      await scenariosOff();
    }
    const started = Date.now();
    const { attempts, final } = await checkoutUntilFinal(body, key, Date.now() + 60_000);
    assert.ok(final && final.kind === 'answer', `no final answer after ${attempts.length} attempts: ${JSON.stringify(attempts.at(-1))}`);
    assert.equal(final.status, 201, final.text);
    console.log(
      `[reliability] retry after a crash between key claim and order commit: 201 after ${attempts.length} attempts, ${Date.now() - started} ms`,
    );
    const orders = await sql<{ id: string }>('order', 'SELECT id::text FROM orders WHERE customer_id = $1 AND created_at >= $2', [
      body.customerId,
      since,
    ]);
    assert.deepEqual(
      orders.map((row) => row.id),
      [String(final.body.orderId)],
      'exactly one order',
    );
    assert.equal((await waitForOrderStatus(String(final.body.orderId), 'SHIPPED', 20_000)).status, 'SHIPPED');
  });

  it('reserves one carrier slot per shipment even when shipping loses its database session half-way', async () => {
    // A PAID order (written directly) whose order.paid the test publishes itself. The test holds an
    // uncommitted shipment row for the same order, so shipping's insert waits on it; the waiting
    // session is then terminated, as a crash or a network cut would. The redelivered message must make
    // the shipment with one reserved slot, not one per attempt.
    const orderId = randomUUID();
    await sql(
      'order',
      "INSERT INTO orders (id, customer_id, status, total, payment_status, paid_at) VALUES ($1, 'cust-00001', 'PAID', 10, 'AUTHORIZED', now())",
      [orderId],
    );
    const driftBefore = await reservationDrift();
    const blocker = await connect('shipping');
    const broker = await amqp.connect(config.RABBITMQ_URL);
    const waitingInsert = () =>
      sql<{ pid: number }>(
        'shipping',
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'shipping-service' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO shipments%'",
      ).then((rows) => rows[0]?.pid);
    try {
      await blocker.query('BEGIN');
      await blocker.query("INSERT INTO shipments (order_id, carrier_id, tracking_number, price) VALUES ($1, 1, 'TEST-BLOCKER', 1)", [
        orderId,
      ]);
      const channel = await broker.createConfirmChannel();
      channel.publish(
        'tracecart.events',
        'order.paid',
        Buffer.from(JSON.stringify({ orderId, customerId: 'cust-00001', total: 10, itemsCount: 1 })),
        {
          persistent: true,
          contentType: 'application/json',
        },
      );
      await channel.waitForConfirms();
      const first = await waitUntil('shipping to wait on the held row', waitingInsert, 15_000, 50);
      await sql('shipping', 'SELECT pg_terminate_backend($1)', [first]);
      await waitUntil(
        'the redelivered message to wait again',
        async () => {
          const pid = await waitingInsert();
          return pid !== undefined && pid !== first ? pid : undefined;
        },
        15_000,
        50,
      );
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
      await broker.close().catch(() => undefined);
    }
    assert.equal((await waitForOrderStatus(orderId, 'SHIPPED', 20_000)).status, 'SHIPPED');
    const shipments = await sql<{ n: number }>('shipping', 'SELECT count(*)::int AS n FROM shipments WHERE order_id = $1', [orderId]);
    assert.equal(shipments[0]!.n, 1);
    assert.equal(await reservationDrift(), driftBefore, 'one carrier slot for the one shipment');
  });
});
