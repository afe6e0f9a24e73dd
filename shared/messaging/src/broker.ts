/**
 * One RabbitMQ connection per service, recovered automatically after the broker goes away. Publishing
 * uses a confirm channel (a publish resolves only when the broker has routed and stored the message);
 * consuming uses manual acks with a prefetch above 1, so several messages are processed in parallel.
 *
 * A channel can die while its connection lives (a channel-level error: a publish to an exchange that was
 * deleted, a queue deleted under its consumer, a broker-initiated consumer cancel): each channel is then
 * recreated on the live connection (topology declared again first, so a deleted exchange or queue comes
 * back), with a capped backoff. `ready()` is false while the connection or any channel is down.
 */
import { randomUUID } from 'node:crypto';
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Message,
  type Options,
  type RecoveringChannelModel,
} from 'amqplib';
import { context, trace } from '@opentelemetry/api';
import type { Config } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { recordFailure } from '@tracecart/telemetry';
import { parseEvent, type Event, type RoutingKey } from './contracts';
import {
  DEAD_LETTER_EXCHANGE,
  EVENTS_EXCHANGE,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REJECTION_REASON_HEADER,
  assertTopology,
  type QueueSpec,
} from './topology';


export interface BrokerOptions {
  url: string;
  prefetch: number;
  deliveryLimit: number;
  logger: Logger;
  /** While a consumer's dependency is down, how often it checks whether it is back (CONSUMER_OUTAGE_POLL_MS). */
  outagePollMs?: number;
  /** How long a publish waits for the broker's confirm before it fails (a memory alarm must not stall the caller for ever). */
  confirmTimeoutMs?: number;
  /** The connection's name in RabbitMQ (its `connection_name` client property: `rabbitmqctl list_connections client_properties`). */
  connectionName?: string;
}

/** The broker settings every service takes from its config (RABBITMQ_*, CONSUMER_OUTAGE_POLL_MS). */
export function brokerOptions(config: Config, logger: Logger): BrokerOptions {
  const service = logger.bindings().service as unknown;
  return {
    url: config.RABBITMQ_URL,
    prefetch: config.RABBITMQ_PREFETCH,
    deliveryLimit: config.RABBITMQ_DELIVERY_LIMIT,
    confirmTimeoutMs: config.RABBITMQ_CONFIRM_TIMEOUT_MS,
    outagePollMs: config.CONSUMER_OUTAGE_POLL_MS,
    logger,
    // The logger's service name names the connection, so an operator (and the channel drill) tells them apart.
    ...(typeof service === 'string' ? { connectionName: service } : {}),
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

/** Marks each publish, so a message the broker hands back as unroutable is matched to its confirm. */
const PUBLISH_ID_HEADER = 'x-tracecart-publish-id';

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
  /**
   * Ready to publish and consume: the connection, the confirm channel and (until stopConsuming) every
   * consumer are up. `/readyz` reports it; false while any of them is being recreated.
   */
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles a message on its channel; false when the channel closed first (the broker redelivers it). */
function settle(action: () => void): boolean {
  try {
    action();
    return true;
  } catch {
    return false;
  }
}

export async function connectBroker(options: BrokerOptions): Promise<Broker> {
  const { logger } = options;
  const consumers: Consumer[] = [];
  /** The live consumer of each consumer (absent while its channel is being recreated). */
  const subscriptions = new Map<Consumer, { channel: Channel; tag: string }>();
  const inFlight = new Set<Promise<void>>();
  /** Publish ids the broker returned as unroutable (basic.return comes before the publish's confirm). */
  const returned = new Set<string>();
  /** Channels being recreated (by name), so a channel closing twice is recreated once. */
  const recreating = new Set<string>();
  /** The live connection, undefined while it is being recovered. */
  let current: ChannelModel | undefined;
  let publisher: ConfirmChannel | undefined;
  let consuming = true;
  let isConnected = false;
  let closed = false;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5_000;

  /** Exchanges, queues and bindings, declared again (idempotent) before any channel is (re)created. */
  async function declareTopology(connection: ChannelModel): Promise<void> {
    const admin = await connection.createChannel();
    admin.on('error', () => undefined); // a refused declaration closes it; the caller sees the rejection
    try {
      await assertTopology(admin, options.deliveryLimit);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /**
   * Recreates a channel that closed while its connection lives, until it works or the connection goes
   * (the connection's own recovery then recreates everything). Backoff from 100 ms, capped at 2 s.
   */
  function recreate(name: string, connection: ChannelModel, open: (connection: ChannelModel) => Promise<void>): void {
    if (recreating.has(name)) return;
    recreating.add(name);
    void (async () => {
      try {
        for (let attempt = 0; ; attempt += 1) {
          await sleep(Math.min(2_000, 100 * 2 ** attempt));
          if (closed || current !== connection) return;
          try {
            await declareTopology(connection);
            await open(connection);
            logger.info({ channel: name, attempts: attempt + 1 }, 'RabbitMQ channel recreated on the live connection');
            return;
          } catch (error) {
            logger.warn({ err: error, channel: name, attempt: attempt + 1 }, 'RabbitMQ channel could not be recreated yet; retrying');
          }
        }
      } finally {
        recreating.delete(name);
      }
    })();
  }

  async function openPublisher(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'RabbitMQ publisher channel error'));
    channel.on('return', (message: Message) => {
      const id = message.properties.headers?.[PUBLISH_ID_HEADER] as unknown;
      if (typeof id === 'string') returned.add(id);
    });
    channel.on('close', () => {
      if (publisher !== channel) return;
      publisher = undefined;
      if (!closed && current === connection) {
        logger.warn('RabbitMQ publisher channel closed on a live connection; recreating it');
        recreate('publisher', connection, openPublisher);
      }
    });
    publisher = channel;
  }

  /**
   * Publishes with `mandatory`: a message no queue is bound for comes back (basic.return, before its
   * confirm) and the publish fails, so the outbox keeps it, instead of a confirm for a message that
   * went nowhere (an exchange or binding deleted and declared again).
   */
  async function publishConfirmed(exchange: string, routingKey: string, content: Buffer, properties: Options.Publish, what: string): Promise<void> {
    const channel = publisher;
    if (!channel || !isConnected) throw new Error('RabbitMQ is not connected');
    const id = randomUUID();
    const headers = { ...(properties.headers as Record<string, unknown> | undefined), [PUBLISH_ID_HEADER]: id };
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          channel.publish(exchange, routingKey, content, { ...properties, headers, mandatory: true }, (error) => {
            if (error) reject(error instanceof Error ? error : new Error(String(error)));
            else if (returned.has(id)) reject(new Error(`${what}: unroutable (no queue bound for ${routingKey} on ${exchange}); kept for another try`));
            else resolve();
          });
        }),
        confirmTimeoutMs,
        what,
      );
    } finally {
      returned.delete(id);
    }
  }

  async function subscribe(connection: ChannelModel, consumer: Consumer): Promise<void> {
    const queue = consumer.queue.name;
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error, queue }, 'RabbitMQ consumer channel error'));
    const lost = (why: string) => {
      if (subscriptions.get(consumer)?.channel !== channel) return;
      subscriptions.delete(consumer);
      if (closed || !consuming || current !== connection) return;
      logger.warn({ queue }, `${why}; subscribing again`);
      recreate(`consumer ${queue}`, connection, async (live) => {
        if (consuming) await subscribe(live, consumer); // not after stopConsuming (shutdown)
      });
    };
    channel.on('close', () => lost('RabbitMQ consumer channel closed on a live connection'));
    try {
      await channel.prefetch(options.prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => {
        if (!message) {
          // The broker cancelled the consumer (its queue deleted, or a quorum queue's leader gone). The old
          // channel closes once its in-flight messages settled (unacked ones go back to the queue).
          lost('RabbitMQ cancelled the consumer');
          void Promise.allSettled([...inFlight]).then(() => channel.close().catch(() => undefined));
          return;
        }
        const settled = handle(channel, consumer, message);
        inFlight.add(settled);
        void settled.finally(() => inFlight.delete(settled));
      });
      subscriptions.set(consumer, { channel, tag: consumerTag });
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
  }

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
  async function deadLetter(channel: Channel, queue: string, message: ConsumeMessage, reason: string): Promise<void> {
    const headers = {
      ...message.properties.headers,
      [REJECTION_REASON_HEADER]: reason.slice(0, 1_000),
      [ORIGINAL_QUEUE_HEADER]: queue,
      [ORIGINAL_ROUTING_KEY_HEADER]: message.fields.routingKey,
    };
    await publishConfirmed(DEAD_LETTER_EXCHANGE, queue, message.content, { ...message.properties, headers, persistent: true }, 'dead-letter publish');
    settle(() => channel.ack(message));
  }

  async function handle(channel: Channel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    for (;;) {
      try {
        await consumer.handler(parseJson(message), message);
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
          settle(() => channel.nack(message, false, !poison));
        }
        return;
      }
      // Handled. On a channel that closed meanwhile the ack cannot be sent: the broker delivers the message
      // again and the handler, idempotent, changes nothing the second time.
      if (!settle(() => channel.ack(message))) {
        logger.warn({ queue: consumer.queue.name }, 'message handled but its channel closed before the ack: it will be redelivered');
      }
      return;
    }
  }

  const model: RecoveringChannelModel = await amqp.connect(options.url, {
    // amqplib leaves Nagle's algorithm on: a publish is several frames, and the last one waited for the
    // broker's delayed ACK (~40 ms) before it left. Measured: the shipment.created hop took 44 ms at p50.
    noDelay: true,
    ...(options.connectionName ? { clientProperties: { connection_name: options.connectionName } } : {}),
    recovery: {
      initialDelay: 200,
      maxDelay: 2_000,
      waitForConnect: false,
      setup: async (fresh: ChannelModel) => {
        current = fresh;
        try {
          await declareTopology(fresh);
          await openPublisher(fresh);
          subscriptions.clear();
          if (consuming) for (const consumer of consumers) await subscribe(fresh, consumer);
        } catch (error) {
          if (current === fresh) current = undefined;
          throw error;
        }
        isConnected = true;
      },
    },
  });
  model.on('connect', () => {
    logger.info('connected to RabbitMQ');
  });
  model.on('disconnect', (error: Error) => {
    isConnected = false;
    current = undefined;
    publisher = undefined;
    subscriptions.clear();
    logger.warn({ err: error }, 'RabbitMQ connection lost; reconnecting');
  });
  model.on('error', () => undefined);
  await model.waitForConnect();

  return {
    async publish(routingKey, payload, headers = {}) {
      const body = Buffer.from(JSON.stringify(payload));
      await publishConfirmed(EVENTS_EXCHANGE, routingKey, body, { persistent: true, contentType: 'application/json', messageId: randomUUID(), headers }, `publish ${routingKey}`);
    },
    async consume(queue, handler, dependency) {
      const typed = async (payload: unknown, message: ConsumeMessage) => {
        const parsed = parseEvent(queue.bindingKey, payload);
        if (!parsed.ok) throw new PoisonMessageError(parsed.reason);
        await handler(parsed.event, message);
      };
      const consumer: Consumer = { queue, handler: typed, dependency };
      consumers.push(consumer);
      if (current && consuming) await subscribe(current, consumer);
    },
    async stopConsuming() {
      consuming = false;
      for (const { channel, tag } of subscriptions.values()) await channel.cancel(tag).catch(() => undefined);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    connected: () => isConnected && publisher !== undefined && (!consuming || consumers.every((consumer) => subscriptions.has(consumer))),
    async close() {
      closed = true;
      await model.close().catch(() => undefined);
    },
  };
}
