/**
 * Poison messages: a malformed `order.paid` (bad JSON; valid JSON of the wrong shape) published
 * straight to the events exchange ends in `shipping.order-paid.dead-letter` on its first delivery,
 * with the reason in `x-tracecart-rejection-reason` (and the original queue and routing key in
 * headers), leaves a log line and an ERROR span, and the consumer keeps working.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { SpanKind } from '@tracecart/jaeger-client';
import { logLinesSince, logSize, pidOf, sleep, waitUntil } from './faults';
import { cart, checkout, config, jaeger, waitForOrderStatus } from './stack';

const EXCHANGE = 'tracecart.events';
const QUEUE = 'shipping.order-paid';
const DEAD_LETTERS = `${QUEUE}.dead-letter`;

describe('poison order.paid messages', { timeout: 120_000 }, () => {
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  const shippingPid = pidOf('shipping');

  before(async () => {
    connection = await amqp.connect(config.RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
  });
  after(async () => {
    await connection?.close().catch(() => undefined);
  });

  /** Takes our message out of the dead-letter queue (others are put back), or undefined if absent. */
  async function takeDeadLetter(messageId: string): Promise<GetMessage | undefined> {
    const others: GetMessage[] = [];
    let found: GetMessage | undefined;
    try {
      for (;;) {
        const message = await channel.get(DEAD_LETTERS, { noAck: false });
        if (!message) break;
        if (message.properties.messageId === messageId) {
          found = message;
          channel.ack(message);
          break;
        }
        others.push(message);
      }
    } finally {
      for (const message of others) channel.nack(message, false, true);
    }
    return found;
  }

  const cases: Array<[string, Buffer, RegExp]> = [
    ['bad JSON', Buffer.from('{"orderId": "not closed', 'utf8'), /not valid JSON/],
    [
      'valid JSON of the wrong shape',
      Buffer.from(JSON.stringify({ orderId: 42, customerId: '', total: 'lots', extra: [1, 2] })),
      /invalid order\.paid/,
    ],
  ];

  for (const [name, content, expectedError] of cases) {
    it(`dead-letters ${name} on its first delivery with the reason in a header, a log line and an ERROR span`, async () => {
      const traceId = randomBytes(16).toString('hex');
      const messageId = `poison-${randomUUID()}`;
      const logOffset = logSize('shipping');
      const published = Date.now();
      channel.publish(EXCHANGE, 'order.paid', content, {
        persistent: true,
        contentType: 'application/json',
        messageId,
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      await channel.waitForConfirms();

      const dead = await waitUntil('the message in the dead-letter queue', () => takeDeadLetter(messageId), 30_000, 250);
      const tookMs = Date.now() - published;
      assert.deepEqual(dead.content, content, 'dead-lettered unchanged');
      const headers = dead.properties.headers ?? {};
      assert.match(String(headers['x-tracecart-rejection-reason']), expectedError, 'the reason travels with the message');
      assert.equal(headers['x-tracecart-original-queue'], QUEUE);
      assert.equal(headers['x-tracecart-original-routing-key'], 'order.paid');
      assert.equal(dead.properties.messageId, messageId, 'its properties are kept');

      // Log lines: one per failed delivery, carrying the trace id; the last one says dead-lettered.
      const lines = await waitUntil(
        'the log lines',
        async () => {
          const found = logLinesSince('shipping', logOffset).filter(
            (line) => line.trace_id === traceId && String(line.msg).startsWith('message failed'),
          );
          return found.some((line) => String(line.msg).includes('dead-lettered')) ? found : undefined;
        },
        10_000,
      );
      // Poison is never retried: one delivery, dead-lettered by the consumer itself.
      assert.equal(lines.length, 1, `${lines.length} deliveries`);
      const deadLettered = lines.filter((line) => String(line.msg).includes('dead-lettered'));
      assert.equal(
        deadLettered.length,
        1,
        `exactly one log line says dead-lettered: ${lines.map((line) => `${String(line.deliveries)}: ${String(line.msg)}`).join(' | ')}`,
      );
      assert.equal(deadLettered[0], lines.at(-1), 'and it is the last delivery');
      for (const line of lines) {
        assert.equal(line.level, 'error');
        assert.match(String((line.err as { message?: string } | undefined)?.message), expectedError);
      }
      console.log(`[reliability] poison message (${name}): dead-lettered after ${lines.length} deliveries in ${tookMs} ms`);

      // The ERROR span, read back from Jaeger.
      const spans = await jaeger.waitForTrace(traceId, (found) =>
        found.some((span) => span.kind === SpanKind.CONSUMER && span.statusCode === 2),
      );
      const consumer = spans.find(
        (span) => span.service === 'shipping-service' && span.kind === SpanKind.CONSUMER && span.statusCode === 2,
      );
      assert.ok(consumer, `an ERROR consumer span in trace ${traceId}`);
      const exception = consumer.events.find((event) => event.name === 'exception');
      assert.match(String(exception?.attributes['exception.message']), expectedError);
    });
  }

  it('keeps the consumer running: a normal checkout still ships, and shipping never restarted', async () => {
    await sleep(200);
    const answer = await checkout(cart(2));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal((await waitForOrderStatus(answer.body.orderId, 'SHIPPED', 20_000)).status, 'SHIPPED');
    assert.equal(pidOf('shipping'), shippingPid);
  });
});
