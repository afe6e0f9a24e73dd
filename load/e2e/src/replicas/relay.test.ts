/**
 * Two replicas' outbox relays over one table publish disjoint rows: under concurrent checkouts through
 * HAProxy (so both order replicas and both shipping replicas write outbox rows and run their relays), a
 * consumer of our own records every order.paid and shipment.created message: exactly one of each per
 * paid order — none lost, none published twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import amqp from 'amqplib';
import { runCheckoutBurst } from '@tracecart/load';
import { EVENTS_EXCHANGE } from '@tracecart/messaging';
import { drillHooks, sql, waitUntil } from '../faults';
import { config } from '../stack';
import { requireReplicas } from './replicas';

describe('outbox relays of two replicas', { timeout: 300_000 }, () => {
  drillHooks(async () => {
    requireReplicas();
  });

  it('publish each outbox row once: one order.paid and one shipment.created per paid order', async () => {
    const connection = await amqp.connect(config.RABBITMQ_URL);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, 'order.paid');
    await channel.bindQueue(queue, EVENTS_EXCHANGE, 'shipment.created');
    const published = new Map<string, number>();
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        const { orderId } = JSON.parse(message.content.toString()) as { orderId?: string };
        const key = `${message.fields.routingKey} ${orderId}`;
        published.set(key, (published.get(key) ?? 0) + 1);
      },
      { noAck: true },
    );
    try {
      const result = await runCheckoutBurst({ orderUrl: config.ORDER_URL, count: 60, concurrency: 6, lines: 2 });
      const paid = result.outcomes.filter((outcome) => outcome.status === 201).map((outcome) => String(outcome.orderId));
      assert.ok(paid.length >= 54, `only ${paid.length} of 60 paid`);
      await waitUntil(
        'every paid order to be SHIPPED',
        async () =>
          (
            await sql<{ n: number }>('order', `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'SHIPPED'`, [
              paid,
            ])
          )[0]!.n === paid.length,
        90_000,
        500,
      );
      // A duplicate publish would trail its first by at most a relay pass: give it time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const missing = paid.flatMap((id) =>
        ['order.paid', 'shipment.created'].filter((key) => !published.has(`${key} ${id}`)).map((key) => `${key} ${id}`),
      );
      const twice = [...published.entries()].filter(([key, times]) => times > 1 && paid.some((id) => key.endsWith(id)));
      const ours = [...published.entries()].filter(([key]) => paid.some((id) => key.endsWith(id)));
      console.log(
        `[replicas] relays: ${paid.length} paid orders, ${ours.reduce((sum, [, n]) => sum + n, 0)} publishes for ${2 * paid.length} outbox rows`,
      );
      assert.deepEqual(missing, [], 'no event lost');
      assert.deepEqual(twice, [], 'no event published twice');
    } finally {
      await connection.close();
    }
  });
});
