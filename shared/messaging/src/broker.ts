/**
 * One RabbitMQ connection per service, recovered automatically after the broker goes away. Publishing
 * uses a confirm channel (a publish resolves only when the broker has the message); consuming uses
 * manual acks with a prefetch above 1, so several messages are processed in parallel.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { context, trace } from '@opentelemetry/api';
import type { Logger } from '@tracecart/logger';
import { recordFailure } from '@tracecart/telemetry';
import { parseEvent, type Event, type RoutingKey } from './contracts';
import { EVENTS_EXCHANGE, assertTopology, type QueueSpec } from './topology';

export interface BrokerOptions {
  url: string;
  prefetch: number;
  deliveryLimit: number;
  logger: Logger;
}

/** Handles one event of the queue's contract, already parsed and checked against its schema. */
export type MessageHandler<K extends RoutingKey = RoutingKey> = (event: Event<K>, message: ConsumeMessage) => Promise<void>;

interface Consumer {
  queue: QueueSpec;
  handler: (payload: unknown, message: ConsumeMessage) => Promise<void>;
  /** Called before a failed message is handed back, e.g. to wait for the database. */
  beforeRetry: (error: unknown) => Promise<void>;
}

export interface Broker {
  publish(routingKey: string, payload: unknown, headers?: Record<string, string>): Promise<void>;
  /** Consumes a queue; a message that is not JSON or fails its contract's schema is poison. */
  consume<K extends RoutingKey>(queue: QueueSpec<K>, handler: MessageHandler<K>, beforeRetry?: (error: unknown) => Promise<void>): Promise<void>;
  /** Stops taking new messages; in-flight handlers finish and settle. */
  stopConsuming(): Promise<void>;
  idle(): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * A message that can never succeed (bad JSON, wrong shape, or a handler's own verdict): it is rejected
 * without requeue, so the broker dead-letters it on this first delivery instead of retrying it.
 */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

export function parseJson(message: ConsumeMessage): unknown {
  try {
    return JSON.parse(message.content.toString('utf8'));
  } catch {
    throw new PoisonMessageError('message body is not valid JSON');
  }
}

export async function connectBroker(options: BrokerOptions): Promise<Broker> {
  const { logger } = options;
  const consumers: Consumer[] = [];
  const consumerTags = new Map<string, { channel: import('amqplib').Channel; tag: string }>();
  const inFlight = new Set<Promise<void>>();
  let publisher: ConfirmChannel | undefined;
  let consuming = true;
  let isConnected = false;

  async function startConsumer(model: ChannelModel, consumer: Consumer): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'));
    await channel.prefetch(options.prefetch);
    const { consumerTag } = await channel.consume(consumer.queue.name, (message) => {
      if (!message) return;
      const settled = handle(channel, consumer, message);
      inFlight.add(settled);
      void settled.finally(() => inFlight.delete(settled));
    });
    consumerTags.set(consumer.queue.name, { channel, tag: consumerTag });
  }

  async function handle(channel: import('amqplib').Channel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    try {
      await consumer.handler(parseJson(message), message);
      channel.ack(message);
    } catch (error) {
      // x-delivery-count is how many deliveries of this message failed before this one. A quorum queue
      // dead-letters a message once it has failed more than x-delivery-limit times, so the last try is
      // delivery number deliveryLimit + 1.
      const deliveries = Number(message.properties.headers?.['x-delivery-count'] ?? 0) + 1;
      const poison = error instanceof PoisonMessageError;
      recordFailure(trace.getSpan(context.active()), error);
      logger.error(
        { err: error, queue: consumer.queue.name, deliveries, deliveryLimit: options.deliveryLimit, poison },
        poison
          ? 'message failed and can never succeed (poison): dead-lettered'
          : deliveries > options.deliveryLimit
            ? 'message failed for the last time: dead-lettered'
            : 'message failed: handed back for another try',
      );
      if (!poison) await consumer.beforeRetry(error).catch(() => undefined);
      try {
        // Poison: reject without requeue, so the queue dead-letters it now (x-death reason "rejected").
        channel.nack(message, false, !poison);
      } catch {
        // The channel closed meanwhile: the broker redelivers the unacked message by itself.
      }
    }
  }

  let current: ChannelModel | undefined;
  const model: RecoveringChannelModel = await amqp.connect(options.url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 2_000,
      waitForConnect: false,
      setup: async (fresh: ChannelModel) => {
        current = fresh;
        const admin = await fresh.createChannel();
        await assertTopology(admin, options.deliveryLimit);
        await admin.close();
        publisher = await fresh.createConfirmChannel();
        publisher.on('error', () => undefined);
        if (consuming) for (const consumer of consumers) await startConsumer(fresh, consumer);
        isConnected = true;
      },
    },
  });
  model.on('connect', () => {
    logger.info('connected to RabbitMQ');
  });
  model.on('disconnect', (error: Error) => {
    isConnected = false;
    publisher = undefined;
    logger.warn({ err: error }, 'RabbitMQ connection lost; reconnecting');
  });
  model.on('error', () => undefined);
  await model.waitForConnect();

  return {
    async publish(routingKey, payload, headers = {}) {
      const channel = publisher;
      if (!channel || !isConnected) throw new Error('RabbitMQ is not connected');
      const body = Buffer.from(JSON.stringify(payload));
      await new Promise<void>((resolve, reject) => {
        channel.publish(
          EVENTS_EXCHANGE,
          routingKey,
          body,
          { persistent: true, contentType: 'application/json', headers },
          (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
        );
      });
    },
    async consume(queue, handler, beforeRetry = () => Promise.resolve()) {
      const typed = async (payload: unknown, message: ConsumeMessage) => {
        const parsed = parseEvent(queue.bindingKey, payload);
        if (!parsed.ok) throw new PoisonMessageError(parsed.reason);
        await handler(parsed.event, message);
      };
      const consumer: Consumer = { queue, handler: typed, beforeRetry };
      consumers.push(consumer);
      if (current && consuming) await startConsumer(current, consumer);
    },
    async stopConsuming() {
      consuming = false;
      for (const { channel, tag } of consumerTags.values()) await channel.cancel(tag).catch(() => undefined);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    connected: () => isConnected,
    async close() {
      await model.close().catch(() => undefined);
    },
  };
}
