/**
 * One RabbitMQ connection per service, recovered automatically after the broker goes away. Publishing
 * uses a confirm channel (a publish resolves only when the broker has the message); consuming uses
 * manual acks with a prefetch above 1, so several messages are processed in parallel.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { context, trace } from '@opentelemetry/api';
import type { Config } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { recordFailure } from '@tracecart/telemetry';
import { parseEvent, type Event, type RoutingKey } from './contracts';
import { DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, assertTopology, type QueueSpec } from './topology';

export interface BrokerOptions {
  url: string;
  prefetch: number;
  deliveryLimit: number;
  logger: Logger;
  /** While a consumer's dependency is down, how often it checks whether it is back (CONSUMER_OUTAGE_POLL_MS). */
  outagePollMs?: number;
  /** How long a publish waits for the broker's confirm before it fails (a memory alarm must not stall the caller for ever). */
  confirmTimeoutMs?: number;
}

/** The broker settings every service takes from its config (RABBITMQ_*, CONSUMER_OUTAGE_POLL_MS). */
export function brokerOptions(config: Config, logger: Logger): BrokerOptions {
  return {
    url: config.RABBITMQ_URL,
    prefetch: config.RABBITMQ_PREFETCH,
    deliveryLimit: config.RABBITMQ_DELIVERY_LIMIT,
    confirmTimeoutMs: config.RABBITMQ_CONFIRM_TIMEOUT_MS,
    outagePollMs: config.CONSUMER_OUTAGE_POLL_MS,
    logger,
  };
}

/** Rejects when `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no confirm from RabbitMQ within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A dependency of a consumer (its database) being down is not the message's fault: while `isOutage`
 * says so, the message is kept (neither acked nor handed back, so no delivery is counted) and retried
 * once `available` answers true. Only other failures spend the message's delivery budget.
 */
export interface DependencyOutage {
  isOutage(error: unknown): boolean;
  available(): Promise<boolean>;
}

/** Headers of a message this service dead-lettered itself (a poison message). */
export const REJECTION_REASON_HEADER = 'x-tracecart-rejection-reason';
export const ORIGINAL_QUEUE_HEADER = 'x-tracecart-original-queue';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-tracecart-original-routing-key';

/** Handles one event of the queue's contract, already parsed and checked against its schema. */
export type MessageHandler<K extends RoutingKey = RoutingKey> = (event: Event<K>, message: ConsumeMessage) => Promise<void>;

interface Consumer {
  queue: QueueSpec;
  handler: (payload: unknown, message: ConsumeMessage) => Promise<void>;
  dependency: DependencyOutage | undefined;
}

export interface Broker {
  publish(routingKey: string, payload: unknown, headers?: Record<string, string>): Promise<void>;
  /** Consumes a queue; a message that is not JSON or fails its contract's schema is poison. */
  consume<K extends RoutingKey>(queue: QueueSpec<K>, handler: MessageHandler<K>, dependency?: DependencyOutage): Promise<void>;
  /** Stops taking new messages; in-flight handlers finish and settle. */
  stopConsuming(): Promise<void>;
  idle(): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * A message that can never succeed (bad JSON, wrong shape, or a handler's own verdict): it is published
 * to the dead-letter exchange with the reason in a header, then acked, on its first delivery.
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
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5_000;

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

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Waits until the dependency is back; false when the service stops consuming meanwhile (shutdown). */
  async function outlast(dependency: DependencyOutage, queue: string): Promise<boolean> {
    logger.warn({ queue }, 'dependency unavailable: message kept (no delivery counted) until it is back');
    while (consuming) {
      await sleep(options.outagePollMs ?? 1_000);
      if (await dependency.available().catch(() => false)) return true;
    }
    return false;
  }

  /** Dead-letters a poison message with its reason (and where it came from), then acks it. */
  async function deadLetter(channel: import('amqplib').Channel, queue: string, message: ConsumeMessage, reason: string): Promise<void> {
    const confirm = publisher;
    if (!confirm) throw new Error('RabbitMQ publisher channel is not open');
    const headers = {
      ...message.properties.headers,
      [REJECTION_REASON_HEADER]: reason.slice(0, 1_000),
      [ORIGINAL_QUEUE_HEADER]: queue,
      [ORIGINAL_ROUTING_KEY_HEADER]: message.fields.routingKey,
    };
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        confirm.publish(DEAD_LETTER_EXCHANGE, queue, message.content, { ...message.properties, headers, persistent: true }, (error) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        );
      }),
      confirmTimeoutMs,
      'dead-letter publish',
    );
    channel.ack(message);
  }

  async function handle(channel: import('amqplib').Channel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    for (;;) {
      try {
        await consumer.handler(parseJson(message), message);
        channel.ack(message);
        return;
      } catch (error) {
        const poison = error instanceof PoisonMessageError;
        if (!poison && consumer.dependency?.isOutage(error)) {
          if (await outlast(consumer.dependency, consumer.queue.name)) continue;
          return; // shutting down: the closing channel hands the unacked message back
        }
        // x-delivery-count is how many deliveries of this message failed before this one. A quorum queue
        // dead-letters a message once it has failed more than x-delivery-limit times, so the last try is
        // delivery number deliveryLimit + 1.
        const deliveries = Number(message.properties.headers?.['x-delivery-count'] ?? 0) + 1;
        recordFailure(trace.getSpan(context.active()), error);
        logger.error(
          { err: error, queue: consumer.queue.name, deliveries, deliveryLimit: options.deliveryLimit, poison },
          poison
            ? 'message failed and can never succeed (poison): dead-lettered'
            : deliveries > options.deliveryLimit
              ? 'message failed for the last time: dead-lettered'
              : 'message failed: handed back for another try',
        );
        try {
          if (poison) await deadLetter(channel, consumer.queue.name, message, error.message);
          else {
            await sleep(200);
            channel.nack(message, false, true);
          }
        } catch {
          // Poison that could not be published with its reason: rejected without requeue (x-death "rejected").
          // A closed channel: the broker redelivers the unacked message by itself.
          try {
            channel.nack(message, false, !poison);
          } catch {
            // closed
          }
        }
        return;
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
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          channel.publish(
            EVENTS_EXCHANGE,
            routingKey,
            body,
            { persistent: true, contentType: 'application/json', headers },
            (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
          );
        }),
        confirmTimeoutMs,
        `publish ${routingKey}`,
      );
    },
    async consume(queue, handler, dependency) {
      const typed = async (payload: unknown, message: ConsumeMessage) => {
        const parsed = parseEvent(queue.bindingKey, payload);
        if (!parsed.ok) throw new PoisonMessageError(parsed.reason);
        await handler(parsed.event, message);
      };
      const consumer: Consumer = { queue, handler: typed, dependency };
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
