/**
 * Property-based fuzzing (fast-check) of the event contracts (@tracecart/messaging's contracts): malformed
 * payloads (fields missing, of the wrong type or hostile, any JSON, bytes that are not JSON, hostile
 * trace headers) published straight to each consumer's queue. Every one must land in that queue's
 * dead-letter queue on its first delivery with the reason in a header, and nothing else may break:
 * both services stay up and ready with the same pid, and a checkout afterwards still ships (both
 * consumers still consume valid events). Prints the cases tried.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import fc from 'fast-check';
import { parseEvent, routingKeys, type RoutingKey } from '@tracecart/messaging/contracts';
import { ORIGINAL_QUEUE_HEADER, REJECTION_REASON_HEADER, deadLetterQueueName, queues, type QueueSpec } from '@tracecart/messaging/topology';
import { waitUntil } from './faults';
import { hostileString, hostileValue, traceparent, watchServices } from './fuzz';
import { cart, checkout, config, waitForOrderStatus } from './stack';

const RUNS = Number(process.env.FUZZ_EVENT_RUNS ?? 40);
const ABSENT = Symbol('absent');

/** A field's valid value, a hostile one, or no field at all. */
function field(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(ABSENT) });
}

function record(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(Object.fromEntries(Object.entries(fields).map(([name, valid]) => [name, field(valid)])))
    .map((object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== ABSENT)));
}

const uuid = fc.uuid({ version: 4 });
const shapes: Record<RoutingKey, fc.Arbitrary<Record<string, unknown>>> = {
  [routingKeys.orderPaid]: record({
    orderId: uuid,
    customerId: fc.integer({ min: 1, max: 10_000 }).map((n) => `cust-${String(n).padStart(5, '0')}`),
    total: fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100),
    currency: fc.constant('EUR'),
    itemsCount: fc.integer({ min: 1, max: 20 }),
    paymentId: uuid,
  }),
  [routingKeys.shipmentCreated]: record({
    orderId: uuid,
    shipmentId: uuid,
    carrier: fc.constantFrom('DHL', 'UPS', 'DPD'),
    trackingNumber: fc.string({ minLength: 1, maxLength: 20 }),
  }),
};

interface Case {
  content: Buffer;
  headers: { traceparent?: string };
}

/** The body bytes: a near-valid event, any JSON value, or bytes that may not be JSON at all. */
function cases(key: RoutingKey): fc.Arbitrary<Case> {
  const body = fc.oneof(
    { weight: 4, arbitrary: shapes[key].map((payload) => Buffer.from(JSON.stringify(payload))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: hostileString.map((text) => Buffer.from(text)) },
  );
  const headers = fc.record({ traceparent }, { requiredKeys: [] });
  return fc.record({ content: body, headers }).filter(({ content }) => expectedReason(key, content) !== undefined);
}

/** What the consumer must say about a body (as it reads it), or undefined when the body is a valid event. */
function expectedReason(key: RoutingKey, content: Buffer): RegExp | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(content.toString('utf8'));
  } catch {
    return /^message body is not valid JSON$/;
  }
  return parseEvent(key, payload).ok ? undefined : new RegExp(`^invalid ${key.replace('.', '\\.')}: `);
}

describe('fuzzing the event contracts: malformed events go straight to the dead-letter queue', { timeout: 600_000 }, () => {
  const servicesFine = watchServices();
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  let sequence = 0;
  const tried = new Map<string, number>();

  before(async () => {
    connection = await amqp.connect(config.RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
  });
  after(async () => {
    await connection?.close().catch(() => undefined);
  });

  /** Takes our message out of the dead-letter queue (others are put back), or undefined while absent. */
  async function take(deadLetters: string, messageId: string): Promise<GetMessage | undefined> {
    const others: GetMessage[] = [];
    try {
      for (;;) {
        const message = await channel.get(deadLetters, { noAck: false });
        if (!message) return undefined;
        if (message.properties.messageId === messageId) {
          channel.ack(message);
          return message;
        }
        others.push(message);
      }
    } finally {
      for (const message of others) channel.nack(message, false, true);
    }
  }

  for (const queue of Object.values(queues) as QueueSpec[]) {
    it(`every malformed ${queue.bindingKey} published to ${queue.name} is dead-lettered at once with its reason`, async () => {
      const deadLetters = deadLetterQueueName(queue.name);
      await fc.assert(
        fc.asyncProperty(cases(queue.bindingKey), async ({ content, headers }) => {
          sequence += 1;
          const messageId = `fuzz-event-${process.pid}-${sequence}`;
          // Straight to the queue (the default exchange), as a broken publisher's message would arrive.
          channel.publish('', queue.name, content, { persistent: true, contentType: 'application/json', messageId, headers });
          await channel.waitForConfirms();
          const dead = await waitUntil(`${messageId} in ${deadLetters}`, () => take(deadLetters, messageId), 30_000, 100);
          const reason = String(dead.properties.headers?.[REJECTION_REASON_HEADER] ?? '');
          const expected = expectedReason(queue.bindingKey, content)!;
          assert.match(reason, expected, `reason for ${JSON.stringify(content.toString('utf8').slice(0, 200))}`);
          assert.equal(dead.properties.headers?.[ORIGINAL_QUEUE_HEADER], queue.name);
          assert.equal(dead.properties.headers?.['x-delivery-count'] ?? 0, 0, 'dead-lettered on its first delivery');
          assert.deepEqual(dead.content, content, 'dead-lettered unchanged');
          tried.set(queue.name, (tried.get(queue.name) ?? 0) + 1);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('breaks nothing else: both consumers still take valid events, every service still up with the same pid', async () => {
    const answer = await checkout(cart(2));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal((await waitForOrderStatus(answer.body.orderId, 'SHIPPED', 30_000)).status, 'SHIPPED');
    await servicesFine();
    const total = [...tried.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `[fuzz] event contracts: ${total} malformed events dead-lettered with a reason (${[...tried].map(([queue, n]) => `${queue} ${n}`).join(', ')})`,
    );
    assert.ok(total >= RUNS * Object.keys(queues).length, `${total} cases tried`);
  });
});
