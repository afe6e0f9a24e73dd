/**
 * One RabbitMQ connection per service, recovered automatically after the broker goes away; on it a
 * publisher (publisher.ts: confirm channel) and the consumers (consumers.ts: manual acks, prefetch).
 *
 * A channel can die while its connection lives (a channel-level error: a publish to an exchange that was
 * deleted, a queue deleted under its consumer, a broker-initiated consumer cancel): each channel is then
 * recreated on the live connection (topology declared again first, so a deleted exchange or queue comes
 * back), with a capped backoff (broker-connection.ts). `connected()` is false while the connection or any
 * channel is down.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Config } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { BrokerConnection } from './broker-connection';
import { Consumers, type DependencyOutage, type MessageHandler } from './consumers';
import type { RoutingKey } from './contracts';
import { Publisher } from './publisher';
import { EVENTS_EXCHANGE, type QueueSpec } from './topology';

export { PoisonMessageError, parseJson, type DependencyOutage, type MessageHandler } from './consumers';

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

/**
 * The broker settings every service takes from its config (RABBITMQ_*, CONSUMER_OUTAGE_POLL_MS). The
 * service's name names the connection, so an operator (and the channel drill) tells them apart.
 */
export function brokerOptions(config: Config, service: string, logger: Logger): BrokerOptions {
  return {
    url: config.RABBITMQ_URL,
    prefetch: config.RABBITMQ_PREFETCH,
    deliveryLimit: config.RABBITMQ_DELIVERY_LIMIT,
    confirmTimeoutMs: config.RABBITMQ_CONFIRM_TIMEOUT_MS,
    outagePollMs: config.CONSUMER_OUTAGE_POLL_MS,
    logger,
    connectionName: service,
  };
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

export async function connectBroker(options: BrokerOptions): Promise<Broker> {
  const { logger } = options;
  const link = new BrokerConnection(logger, options.deliveryLimit);
  const publisher = new Publisher(link, options.confirmTimeoutMs ?? 5_000);
  const consumers = new Consumers(link, publisher, {
    prefetch: options.prefetch,
    deliveryLimit: options.deliveryLimit,
    outagePollMs: options.outagePollMs ?? 1_000,
  });

  const model: RecoveringChannelModel = await amqp.connect(options.url, {
    // Nagle's algorithm held a publish's last frame for the broker's delayed ACK (~40 ms per hop).
    noDelay: true,
    ...(options.connectionName ? { clientProperties: { connection_name: options.connectionName } } : {}),
    recovery: {
      initialDelay: 200,
      maxDelay: 2_000,
      waitForConnect: false,
      setup: async (fresh: ChannelModel) => {
        link.current = fresh;
        try {
          await link.declareTopology(fresh);
          await publisher.open(fresh);
          await consumers.subscribeAll(fresh);
        } catch (error) {
          if (link.current === fresh) link.current = undefined;
          throw error;
        }
        link.up = true;
      },
    },
  });
  model.on('connect', () => {
    logger.info('connected to RabbitMQ');
  });
  model.on('disconnect', (error: Error) => {
    link.up = false;
    link.current = undefined;
    publisher.lost();
    consumers.lost();
    logger.warn({ err: error }, 'RabbitMQ connection lost; reconnecting');
  });
  model.on('error', () => undefined);
  await model.waitForConnect();

  return {
    async publish(routingKey, payload, headers = {}) {
      const body = Buffer.from(JSON.stringify(payload));
      const properties = { persistent: true, contentType: 'application/json', messageId: randomUUID(), headers };
      await publisher.publish(EVENTS_EXCHANGE, routingKey, body, properties, `publish ${routingKey}`);
    },
    consume: (queue, handler, dependency) => consumers.add(queue, handler, dependency),
    stopConsuming: () => consumers.stop(),
    idle: () => consumers.idle(),
    connected: () => link.up && publisher.ready && consumers.ready,
    async close() {
      link.closed = true;
      await model.close().catch(() => undefined);
    },
  };
}
