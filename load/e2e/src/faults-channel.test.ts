/**
 * RabbitMQ channel and connection faults while the broker itself stays up (issue 13, defect 7):
 *
 * 1. A channel-level error on the confirm channel, the connection staying up: the events exchange is
 *    deleted under the services' publishers, so their next publish closes the channel (404). While the
 *    services' user may not declare anything (configure permission held back), the channel cannot be
 *    recreated and `/readyz` says false; once it may, the publisher is recreated on the same connection
 *    (the exchange and its bindings declared again), and every accepted order ends SHIPPED.
 * 2. A broker-initiated consumer cancel: shipping's queue is deleted under its consumer; shipping reports
 *    not ready until it may declare the queue again, then re-subscribes on the same connection. An order
 *    paid meanwhile waits in order's outbox (its event was unroutable, not confirmed) and ships after.
 * 3. A connection closed by `rabbitmqctl close_connection`: while the user may not log in again, `/readyz`
 *    says false; then both services reconnect, and every accepted order ends SHIPPED.
 *
 * Each fault is held down by permissions so that "not ready" is seen for sure (no race with a fast
 * recovery); "resumes within 10 s" is counted from the moment the fault is lifted. All three run with the
 * pathologies on (as a fresh stack starts), then off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelModel } from 'amqplib';
import { EVENTS_EXCHANGE, queues } from '@tracecart/messaging/topology';
import { drillHooks, pidOf, readyz, sleep, someBody, sql, startLoad, verifyDrill, waitUntil } from './faults';
import { connectionsOf, deadLettered, drillConnection, rabbitmqctl, servicesUser, setServicesPermissions } from './faults-channel-rabbit';
import { pathologyNames } from '@tracecart/lab-catalogue';
import { cart, checkout, setScenario, waitForOrderStatus } from './stack';

const RESUME_MS = 10_000;

async function rabbitReady(service: 'order' | 'shipping'): Promise<boolean | undefined> {
  const answer = await readyz(service).catch(() => undefined);
  return answer?.body.checks?.rabbitmq;
}

/** Polls until the service's /readyz says RabbitMQ is down (it must: the fault is held). */
async function seenNotReady(service: 'order' | 'shipping'): Promise<void> {
  await waitUntil(`${service} /readyz to report rabbitmq false`, async () => (await rabbitReady(service)) === false, 60_000, 100);
  const answer = await readyz(service);
  assert.equal(answer.status, 503, `${service} /readyz answers 503 while RabbitMQ is down for it`);
  assert.equal(answer.body.ready, false);
}

/** Milliseconds from `liftedAt` (the fault lifted) until the service's /readyz is 200 again; fails past RESUME_MS. */
async function resumes(service: 'order' | 'shipping', liftedAt: number): Promise<number> {
  const left = Math.max(0, liftedAt + RESUME_MS - Date.now());
  await waitUntil(
    `${service} ready again within ${RESUME_MS} ms of the fault lifted`,
    async () => (await readyz(service).catch(() => undefined))?.status === 200,
    left,
    100,
  );
  return Date.now() - liftedAt;
}

async function outboxRows(): Promise<number> {
  const order = await sql<{ n: number }>('order', 'SELECT count(*)::int AS n FROM outbox');
  const shipping = await sql<{ n: number }>('shipping', 'SELECT count(*)::int AS n FROM outbox');
  return order[0]!.n + shipping[0]!.n;
}

/** The stack starts with every pathology on: the drills run so, and with every pathology off. */
async function pathologiesOn(): Promise<void> {
  for (const name of pathologyNames) await setScenario(name, true);
}

for (const mode of ['pathologies on', 'pathologies off'] as const)
  describe(`RabbitMQ channel and connection faults on a live broker (${mode})`, { timeout: 400_000 }, () => {
    drillHooks(mode === 'pathologies on' ? pathologiesOn : undefined);
    let drill: { connection: ChannelModel; dispose(): Promise<void> };
    const pids = { order: pidOf('order'), shipping: pidOf('shipping') };

    before(async () => {
      drill = await drillConnection();
    });
    after(async () => {
      await setServicesPermissions('.*').catch(() => undefined);
      await drill?.dispose();
    });

    it('a confirm channel closed by a channel error is recreated on the same connection; /readyz false meanwhile; nothing lost', async (t) => {
      const since = new Date(Date.now() - 1_000);
      const dlqBefore = await deadLettered(drill.connection);
      const connections = { order: await connectionsOf('order-service'), shipping: await connectionsOf('shipping-service') };
      assert.equal(connections.order.length, 1, `one order-service connection (${connections.order.join(', ')})`);
      const load = startLoad(3, someBody);
      t.after(() => load.stop()); // a failed step must not leave the clients checking out (stop is idempotent)
      let resumedMs = 0;
      try {
        await sleep(2_000);
        await setServicesPermissions('^$');
        const admin = await drill.connection.createChannel();
        admin.on('error', () => undefined);
        await admin.deleteExchange(EVENTS_EXCHANGE);
        await admin.close();
        await seenNotReady('order');
        await sleep(3_000); // checkouts keep being accepted meanwhile; their events wait in the outbox
      } finally {
        await setServicesPermissions('.*');
      }
      const liftedAt = Date.now();
      resumedMs = await resumes('order', liftedAt);
      await resumes('shipping', liftedAt);
      await sleep(2_000);
      const outcomes = await load.stop();
      const { figures, problems } = await verifyDrill(outcomes, since, 90_000);
      await waitUntil('outboxes drained', async () => (await outboxRows()) === 0, 30_000);
      const dlq = (await deadLettered(drill.connection)) - dlqBefore;
      console.log(
        `[reliability] confirm channel closed (exchange deleted), ${mode}: ${JSON.stringify({ ...figures, readyAgainMs: resumedMs, deadLettered: dlq })}`,
      );
      assert.deepEqual(problems, []);
      assert.equal(figures.lost, 0);
      assert.ok(figures.paid > 0, 'orders were paid during the drill');
      assert.equal(dlq, 0, 'nothing dead-lettered');
      assert.deepEqual(
        await connectionsOf('order-service'),
        connections.order,
        'order kept its connection: the channel was recreated, not the connection',
      );
      assert.deepEqual(await connectionsOf('shipping-service'), connections.shipping, 'shipping kept its connection');
      assert.deepEqual({ order: pidOf('order'), shipping: pidOf('shipping') }, pids, 'no service restarted');
    });

    it('a broker-initiated consumer cancel (queue deleted) re-subscribes; an order paid meanwhile ships afterwards', async () => {
      const connections = await connectionsOf('shipping-service');
      let held: string | undefined;
      try {
        await setServicesPermissions('^$');
        const admin = await drill.connection.createChannel();
        admin.on('error', () => undefined);
        // Quorum queues refuse if-empty deletes: check it is empty (no load runs now), then delete it.
        await waitUntil(
          'shipping.order-paid empty',
          async () => (await admin.checkQueue(queues.shippingOrderPaid.name)).messageCount === 0,
          30_000,
          200,
        );
        await admin.deleteQueue(queues.shippingOrderPaid.name);
        await admin.close();
        await seenNotReady('shipping');
        const answer = await checkout(cart(2));
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        held = answer.body.orderId;
        // Its order.paid has no queue to go to: returned unroutable, so it stays in order's outbox.
        await waitUntil(
          'the event kept in the outbox',
          async () => {
            const rows = await sql<{ n: number }>('order', `SELECT count(*)::int AS n FROM outbox WHERE payload->>'orderId' = $1`, [held]);
            return rows[0]!.n === 1;
          },
          30_000,
        );
        await sleep(1_000);
        assert.ok((await rabbitReady('order')) === true, 'order stays ready: its channel is fine, the event just has nowhere to go yet');
      } finally {
        await setServicesPermissions('.*');
      }
      const resumedMs = await resumes('shipping', Date.now());
      assert.ok(held);
      assert.equal((await waitForOrderStatus(held, 'SHIPPED', 60_000)).status, 'SHIPPED');
      console.log(`[reliability] consumer cancelled (queue deleted), ${mode}: ${JSON.stringify({ readyAgainMs: resumedMs })}`);
      assert.deepEqual(await connectionsOf('shipping-service'), connections, 'shipping re-subscribed on the same connection');
      assert.equal(pidOf('shipping'), pids.shipping, 'shipping never restarted');
    });

    it('a connection closed by rabbitmqctl close_connection reconnects; /readyz false meanwhile; nothing lost', async (t) => {
      await sleep(1_500); // the previous case's order must fall before this window (which starts 1 s back)
      const since = new Date(Date.now() - 1_000);
      const dlqBefore = await deadLettered(drill.connection);
      const closing = [...(await connectionsOf('order-service')), ...(await connectionsOf('shipping-service'))];
      assert.equal(closing.length, 2, `one connection per service (${closing.join(', ')})`);
      const load = startLoad(3, someBody);
      t.after(() => load.stop()); // a failed step must not leave the clients checking out (stop is idempotent)
      let resumedMs = 0;
      try {
        await sleep(2_000);
        await rabbitmqctl('clear_permissions', '-p', '/', servicesUser);
        for (const pid of closing) await rabbitmqctl('close_connection', pid, 'fault drill: connection closed by an operator');
        await seenNotReady('order');
        await seenNotReady('shipping');
        await sleep(3_000);
      } finally {
        await setServicesPermissions('.*');
      }
      const liftedAt = Date.now();
      resumedMs = Math.max(await resumes('order', liftedAt), await resumes('shipping', liftedAt));
      await sleep(2_000);
      const outcomes = await load.stop();
      const { figures, problems } = await verifyDrill(outcomes, since, 90_000);
      await waitUntil('outboxes drained', async () => (await outboxRows()) === 0, 30_000);
      const dlq = (await deadLettered(drill.connection)) - dlqBefore;
      const afterwards = [...(await connectionsOf('order-service')), ...(await connectionsOf('shipping-service'))];
      console.log(
        `[reliability] connection closed by rabbitmqctl, ${mode}: ${JSON.stringify({ ...figures, readyAgainMs: resumedMs, deadLettered: dlq })}`,
      );
      assert.deepEqual(problems, []);
      assert.equal(figures.lost, 0);
      assert.ok(figures.paid > 0, 'orders were paid during the drill');
      assert.equal(dlq, 0, 'nothing dead-lettered');
      assert.equal(afterwards.length, 2, 'each service has a connection again');
      assert.ok(
        afterwards.every((pid) => !closing.includes(pid)),
        'new connections, not the closed ones',
      );
      assert.deepEqual({ order: pidOf('order'), shipping: pidOf('shipping') }, pids, 'no service restarted');
    });
  });
