/**
 * Consuming with manual acks and a prefetch above 1, so several messages are processed in parallel. A
 * message that can never succeed is dead-lettered with its reason; one that failed is handed back until
 * its delivery limit; one whose dependency is down is kept until the dependency is back.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { context, trace } from '@opentelemetry/api';
import { recordFailure } from '@tracecart/telemetry';
import { sleep, type BrokerConnection } from './broker-connection';
import { parseEvent, type Event, type RoutingKey } from './contracts';
import type { Publisher } from './publisher';
import {
  DEAD_LETTER_EXCHANGE,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REJECTION_REASON_HEADER,
  type QueueSpec,
} from './topology';

/**
 * A dependency of a consumer (its database) being down is not the message's fault: while `isOutage`
 * says so, the message is kept (neither acked nor handed back, so no delivery is counted) and retried
 * once `available` answers true. Only other failures spend the message's delivery budget.
 */
export interface DependencyOutage {
  isOutage(error: unknown): boolean;
  available(): Promise<boolean>;
}

/** Handles one event of the queue's contract, already parsed and checked against its schema. */
export type MessageHandler<K extends RoutingKey = RoutingKey> = (event: Event<K>, message: ConsumeMessage) => Promise<void>;

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

/** Settles a message on its channel; false when the channel closed first (the broker redelivers it). */
function settle(action: () => void): boolean {
  try {
    action();
    return true;
  } catch {
    return false;
  }
}

interface Consumer {
  queue: QueueSpec;
  handler: (payload: unknown, message: ConsumeMessage) => Promise<void>;
  dependency: DependencyOutage | undefined;
}

export interface ConsumerSettings {
  prefetch: number;
  deliveryLimit: number;
  outagePollMs: number;
}

export class Consumers {
  private readonly consumers: Consumer[] = [];
  /** The live subscription of each consumer (absent while its channel is being recreated). */
  private readonly subscriptions = new Map<Consumer, { channel: Channel; tag: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  /** False after stopConsuming (shutdown): nothing is subscribed again. */
  private consuming = true;

  constructor(
    private readonly link: BrokerConnection,
    private readonly publisher: Publisher,
    private readonly settings: ConsumerSettings,
  ) {}

  /** Every consumer is subscribed (or consuming has stopped). */
  get ready(): boolean {
    return !this.consuming || this.consumers.every((consumer) => this.subscriptions.has(consumer));
  }

  /** Consumes a queue; a message that is not JSON or fails its contract's schema is poison. */
  async add<K extends RoutingKey>(queue: QueueSpec<K>, handler: MessageHandler<K>, dependency?: DependencyOutage): Promise<void> {
    const typed = async (payload: unknown, message: ConsumeMessage) => {
      const parsed = parseEvent(queue.bindingKey, payload);
      if (!parsed.ok) throw new PoisonMessageError(parsed.reason);
      await handler(parsed.event, message);
    };
    const consumer: Consumer = { queue, handler: typed, dependency };
    this.consumers.push(consumer);
    if (this.link.current && this.consuming) await this.subscribe(this.link.current, consumer);
  }

  /** Subscribes every consumer on a fresh connection (the connection's setup). */
  async subscribeAll(connection: ChannelModel): Promise<void> {
    this.subscriptions.clear();
    if (this.consuming) for (const consumer of this.consumers) await this.subscribe(connection, consumer);
  }

  /** The connection went away: its subscriptions with it. */
  lost(): void {
    this.subscriptions.clear();
  }

  /** Stops taking new messages; in-flight handlers finish and settle. */
  async stop(): Promise<void> {
    this.consuming = false;
    for (const { channel, tag } of this.subscriptions.values()) await channel.cancel(tag).catch(() => undefined);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async subscribe(connection: ChannelModel, consumer: Consumer): Promise<void> {
    const { logger } = this.link;
    const queue = consumer.queue.name;
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error, queue }, 'RabbitMQ consumer channel error'));
    const lost = (why: string) => {
      if (this.subscriptions.get(consumer)?.channel !== channel) return;
      this.subscriptions.delete(consumer);
      if (!this.consuming || !this.link.isLive(connection)) return;
      logger.warn({ queue }, `${why}; subscribing again`);
      this.link.recreate(`consumer ${queue}`, connection, async (live) => {
        if (this.consuming) await this.subscribe(live, consumer); // not after stopConsuming (shutdown)
      });
    };
    channel.on('close', () => lost('RabbitMQ consumer channel closed on a live connection'));
    try {
      await channel.prefetch(this.settings.prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => {
        if (!message) {
          // The broker cancelled the consumer (its queue deleted, or a quorum queue's leader gone). The old
          // channel closes once its in-flight messages settled (unacked ones go back to the queue).
          lost('RabbitMQ cancelled the consumer');
          void Promise.allSettled([...this.inFlight]).then(() => channel.close().catch(() => undefined));
          return;
        }
        const settled = this.handle(channel, consumer, message);
        this.inFlight.add(settled);
        void settled.finally(() => this.inFlight.delete(settled));
      });
      this.subscriptions.set(consumer, { channel, tag: consumerTag });
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
  }

  /** Waits until the dependency is back; false when the service stops consuming meanwhile (shutdown). */
  private async outlast(dependency: DependencyOutage, queue: string): Promise<boolean> {
    this.link.logger.warn({ queue }, 'dependency unavailable: message kept (no delivery counted) until it is back');
    while (this.consuming) {
      await sleep(this.settings.outagePollMs);
      if (await dependency.available().catch(() => false)) return true;
    }
    return false;
  }

  /** Dead-letters a poison message with its reason (and where it came from), then acks it. */
  private async deadLetter(channel: Channel, queue: string, message: ConsumeMessage, reason: string): Promise<void> {
    const headers = {
      ...message.properties.headers,
      [REJECTION_REASON_HEADER]: reason.slice(0, 1_000),
      [ORIGINAL_QUEUE_HEADER]: queue,
      [ORIGINAL_ROUTING_KEY_HEADER]: message.fields.routingKey,
    };
    await this.publisher.publish(
      DEAD_LETTER_EXCHANGE,
      queue,
      message.content,
      { ...message.properties, headers, persistent: true },
      'dead-letter publish',
    );
    settle(() => channel.ack(message));
  }

  private async handle(channel: Channel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    const { logger } = this.link;
    const { deliveryLimit } = this.settings;
    for (;;) {
      try {
        await consumer.handler(parseJson(message), message);
      } catch (error) {
        const poison = error instanceof PoisonMessageError;
        if (!poison && consumer.dependency?.isOutage(error)) {
          if (await this.outlast(consumer.dependency, consumer.queue.name)) continue;
          return; // shutting down: the closing channel hands the unacked message back
        }
        // x-delivery-count is how many deliveries of this message failed before this one. A quorum queue
        // dead-letters a message once it has failed more than x-delivery-limit times, so the last try is
        // delivery number deliveryLimit + 1.
        const deliveries = Number(message.properties.headers?.['x-delivery-count'] ?? 0) + 1;
        recordFailure(trace.getSpan(context.active()), error);
        logger.error(
          { err: error, queue: consumer.queue.name, deliveries, deliveryLimit, poison },
          poison
            ? 'message failed and can never succeed (poison): dead-lettered'
            : deliveries > deliveryLimit
              ? 'message failed for the last time: dead-lettered'
              : 'message failed: handed back for another try',
        );
        try {
          if (poison) await this.deadLetter(channel, consumer.queue.name, message, error.message);
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
}
