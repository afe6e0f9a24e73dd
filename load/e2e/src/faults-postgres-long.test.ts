/**
 * A PostgreSQL outage longer than a message's delivery budget (issue 13, Medium #5). Before, a consumer
 * waited 30 s for the database and then handed the message back, which RabbitMQ counts as a failed
 * delivery: after RABBITMQ_DELIVERY_LIMIT + 1 of them (about 3 minutes) in-flight events were
 * dead-lettered. Now a consumer keeps the message while its database is down and retries it when the
 * database is back: no delivery is counted for an outage of any length.
 *
 * Under load, PostgreSQL is stopped for PG_OUTAGE_SECONDS (default 60; docs/reliability.md has a run
 * of 300). Afterwards: nothing dead-lettered, no "handed back" log line for the outage (no delivery
 * spent: that is what makes a minute prove it), and every accepted order ends SHIPPED.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import amqp from 'amqplib';
import { drillHooks, logLinesSince, logSize, sleep, someBody, stack, startLoad, verifyDrill } from './faults';
import { config } from './stack';

const outageSeconds = Number(process.env.PG_OUTAGE_SECONDS ?? 60);
const deadLetterQueues = ['shipping.order-paid.dead-letter', 'order.shipment-created.dead-letter'];

async function deadLettered(): Promise<number> {
  const connection = await amqp.connect(config.RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    let total = 0;
    for (const queue of deadLetterQueues) total += (await channel.checkQueue(queue)).messageCount;
    return total;
  } finally {
    await connection.close();
  }
}

describe(`PostgreSQL down for ${outageSeconds} s under load`, { timeout: 300_000 + outageSeconds * 1_000 }, () => {
  drillHooks();

  it('dead-letters nothing, spends no delivery on the outage, and ships every accepted order', async () => {
    const since = new Date(Date.now() - 1_000);
    const dlqBefore = await deadLettered();
    const logs = { order: logSize('order'), shipping: logSize('shipping') };
    const load = startLoad(4, someBody, { retryForMs: (outageSeconds + 120) * 1_000, pauseMs: 50 });
    await sleep(3_000);
    await stack('stop', 'postgres');
    const down = Date.now();
    await sleep(outageSeconds * 1_000);
    await stack('start', 'postgres');
    const outage = Date.now() - down;
    await sleep(5_000);
    const outcomes = await load.stop();
    const { figures, problems } = await verifyDrill(outcomes, since, 180_000);
    const handedBack = (['order', 'shipping'] as const).flatMap((service) =>
      logLinesSince(service, logs[service]).filter((line) => String(line.msg).startsWith('message failed')),
    );
    const kept = (['order', 'shipping'] as const).flatMap((service) =>
      logLinesSince(service, logs[service]).filter((line) => String(line.msg).startsWith('dependency unavailable')),
    ).length;
    const dlq = (await deadLettered()) - dlqBefore;
    console.log(
      `[reliability] postgres down ${Math.round(outage / 1000)} s under load: ${JSON.stringify({ ...figures, deadLettered: dlq, messagesKeptThroughTheOutage: kept, deliveriesHandedBack: handedBack.length })}`,
    );
    assert.deepEqual(problems, []);
    assert.equal(figures.lost, 0);
    assert.equal(dlq, 0, 'nothing dead-lettered');
    assert.deepEqual(
      handedBack.map((line) => line.msg),
      [],
      'no delivery counted against any message',
    );
  });
});
