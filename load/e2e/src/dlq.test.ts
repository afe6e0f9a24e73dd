/**
 * `pnpm dlq` against the real RabbitMQ and the running services: a poison order.paid is dead-lettered
 * with its reason; `list` shows it with the reason, `show` prints it; `replay` refuses it as it is (it
 * would only be refused again), and replays it with a fixed payload, which shipping then processes once
 * (one shipment, even when the same message is dead-lettered and replayed a second time); a replay of a
 * message no longer there does nothing; `drop` removes a message for good.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { EVENTS_EXCHANGE, REJECTION_REASON_HEADER, deadLetterQueueName, queues } from '@tracecart/messaging/topology';
import { repoRoot, sql, waitUntil } from './faults';
import { config } from './stack';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pnpm dlq <args>`, as the root package.json runs it. */
function dlq(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'load', 'tools', 'dist', 'dlq-cli.js'), ...args],
      { env: process.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

interface Listed {
  id: string;
  messageId?: string;
  deadLetterQueue: string;
  queue: string;
  reason: string;
  body: string;
  valid: { ok: boolean; reason?: string };
}

async function listed(queue: string): Promise<Listed[]> {
  const run = await dlq('list', '--queue', queue, '--json', '--limit', '1000');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Listed[];
}

const shippingDlq = deadLetterQueueName(queues.shippingOrderPaid.name);
const orderDlq = deadLetterQueueName(queues.orderShipmentCreated.name);

describe('pnpm dlq list | show | replay | drop (real RabbitMQ)', { timeout: 180_000 }, () => {
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  const orderId = randomUUID();
  const messageId = `dlq-test-${randomUUID()}`;
  const poison = { orderId, customerId: 'cust-00001', total: 'lots' };
  const fixed = { orderId, customerId: 'cust-00001', total: 12.5, currency: 'EUR', itemsCount: 1 };

  before(async () => {
    connection = await amqp.connect(config.RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
  });
  after(async () => {
    await connection?.close().catch(() => undefined);
  });

  async function publishPoison(): Promise<Listed> {
    channel.publish(EVENTS_EXCHANGE, queues.shippingOrderPaid.bindingKey, Buffer.from(JSON.stringify(poison)), {
      persistent: true,
      contentType: 'application/json',
      messageId,
      timestamp: Math.floor(Date.now() / 1_000),
    });
    await channel.waitForConfirms();
    return waitUntil(
      'the poison message listed in the dead-letter queue',
      async () => (await listed(shippingDlq)).find((letter) => letter.messageId === messageId),
      30_000,
      500,
    );
  }

  async function shipments(): Promise<number> {
    const rows = await sql<{ n: number }>('shipping', 'SELECT count(*)::int AS n FROM shipments WHERE order_id = $1', [orderId]);
    return rows[0]!.n;
  }

  it('list shows a dead-lettered message with its reason, and show prints it', async () => {
    const letter = await publishPoison();
    assert.equal(letter.deadLetterQueue, shippingDlq);
    assert.equal(letter.queue, queues.shippingOrderPaid.name);
    assert.match(letter.reason, /^invalid order\.paid: total: /, "the consumer's reason");
    assert.equal(letter.valid.ok, false);
    assert.deepEqual(JSON.parse(letter.body), poison);

    const table = await dlq('list');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^${shippingDlq}: \\d+ messages? \\(from ${queues.shippingOrderPaid.name}\\)$`, 'm'));
    assert.match(table.stdout, new RegExp(`^${orderDlq}: \\d+ messages?`, 'm'));
    const row = table.stdout.split('\n').find((line) => line.startsWith(letter.id));
    assert.ok(row, `a row for ${letter.id}:\n${table.stdout}`);
    assert.match(row, /invalid order\.paid: total: /);

    for (const key of [letter.id, messageId]) {
      const shown = await dlq('show', key);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^id: +${letter.id}$`, 'm'));
      assert.match(shown.stdout, new RegExp(`^reason: +invalid order\\.paid: total: `, 'm'));
      assert.match(shown.stdout, new RegExp(`^  ${REJECTION_REASON_HEADER}: invalid order\\.paid`, 'm'));
      assert.match(shown.stdout, /"total": "lots"/);
      assert.match(shown.stdout, /^replayable: +no: /m);
    }
    assert.equal((await dlq('show', 'no-such-message')).code, 3);
    assert.equal((await listed(shippingDlq)).filter((entry) => entry.id === letter.id).length, 1, 'looking removed nothing');
  });

  it('replay refuses the message as it is, replays it fixed, and shipping processes it once', async () => {
    const letter = (await listed(shippingDlq)).find((entry) => entry.messageId === messageId);
    assert.ok(letter, 'still dead-lettered after list and show');
    const refused = await dlq('replay', letter.id);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /would be refused again/);
    assert.equal(await shipments(), 0);

    const bad = await dlq('replay', letter.id, '--payload', JSON.stringify({ ...fixed, orderId: 'not-a-uuid' }));
    assert.equal(bad.code, 2, 'a replacement that fails the contract is refused too');

    const replayed = await dlq('replay', letter.id, '--payload', JSON.stringify(fixed));
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, new RegExp(`replayed ${letter.id} to ${queues.shippingOrderPaid.name} with the given payload`));
    await waitUntil('shipping to process the replayed message', async () => (await shipments()) === 1, 30_000, 250);
    assert.equal(
      (await listed(shippingDlq)).some((entry) => entry.messageId === messageId),
      false,
      'gone from the dead-letter queue',
    );

    const again = await dlq('replay', letter.id, '--payload', JSON.stringify(fixed));
    assert.equal(again.code, 3, 'replaying it again finds nothing and does nothing');

    // The same message dead-lettered and replayed a second time (as after a replay interrupted between
    // its publish and its ack): the consumer is idempotent, so still one shipment.
    const second = await publishPoison();
    assert.equal((await dlq('replay', second.id, '--payload', JSON.stringify(fixed))).code, 0);
    await waitUntil(
      'the second replay consumed',
      async () => !(await listed(shippingDlq)).some((entry) => entry.messageId === messageId),
      30_000,
      250,
    );
    // shipping handles a replayed order.paid within a second or two; give it plenty before counting.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal(await shipments(), 1, 'processed once');
  });

  it('drop removes a message for good', async () => {
    // The shipment's shipment.created names an order order never had: order dead-letters it as poison.
    const letter = await waitUntil(
      'order to dead-letter the shipment for an unknown order',
      async () => (await listed(orderDlq)).find((entry) => entry.body.includes(orderId)),
      60_000,
      500,
    );
    assert.match(letter.reason, new RegExp(`shipment for unknown order ${orderId}`));
    assert.equal(
      (await listed(orderDlq)).filter((entry) => entry.body.includes(orderId)).length,
      1,
      'one shipment.created: the order.paid was processed once',
    );
    const dropped = await dlq('drop', letter.id);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, new RegExp(`dropped ${letter.id} from ${orderDlq}`));
    assert.equal(
      (await listed(orderDlq)).some((entry) => entry.id === letter.id),
      false,
    );
    assert.equal((await dlq('drop', letter.id)).code, 3, 'dropping it again does nothing');
  });
});
