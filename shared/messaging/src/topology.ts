/** Exchanges, queues and routing keys: the RabbitMQ contract between the services. */
import type { Channel } from 'amqplib';
import { routingKeys, type RoutingKey } from './contracts';

export const EVENTS_EXCHANGE = 'tracecart.events';
export const DEAD_LETTER_EXCHANGE = 'tracecart.dead-letter';

export interface QueueSpec<K extends RoutingKey = RoutingKey> {
  /** Durable quorum queue that a service consumes. */
  name: string;
  /** Routing key bound from the events exchange; its contract types the queue's messages. */
  bindingKey: K;
}

export const queues = {
  shippingOrderPaid: { name: 'shipping.order-paid', bindingKey: routingKeys.orderPaid },
  orderShipmentCreated: { name: 'order.shipment-created', bindingKey: routingKeys.shipmentCreated },
} as const satisfies Record<string, QueueSpec>;

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead-letter`;
}

/** Each consumed queue's dead-letter queue, with the queue its messages came from and its contract. */
export function deadLetterQueues(): Array<{ name: string; queue: QueueSpec }> {
  return Object.values(queues).map((queue) => ({ name: deadLetterQueueName(queue.name), queue }));
}

/** Headers of a message a service dead-lettered itself (a poison message): why, and where it came from. */
export const REJECTION_REASON_HEADER = 'x-tracecart-rejection-reason';
export const ORIGINAL_QUEUE_HEADER = 'x-tracecart-original-queue';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-tracecart-original-routing-key';

/**
 * Declares everything idempotently. A consumed queue is a quorum queue with a delivery limit: a message
 * that keeps failing is dead-lettered to `<queue>.dead-letter` once it failed more than `deliveryLimit`
 * times (deliveryLimit + 1 attempts), never lost. A poison message (one that can never succeed) is
 * rejected without requeue and dead-lettered on its first delivery.
 */
export async function assertTopology(channel: Channel, deliveryLimit: number): Promise<void> {
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
  for (const queue of Object.values(queues)) {
    const deadLetters = deadLetterQueueName(queue.name);
    await channel.assertQueue(deadLetters, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(deadLetters, DEAD_LETTER_EXCHANGE, queue.name);
    await channel.assertQueue(queue.name, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimit,
        'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
        'x-dead-letter-routing-key': queue.name,
      },
    });
    await channel.bindQueue(queue.name, EVENTS_EXCHANGE, queue.bindingKey);
  }
}
