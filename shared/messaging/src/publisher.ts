/**
 * Publishing on a confirm channel: a publish resolves only when the broker has routed and stored the
 * message, or fails (unroutable, refused, no confirm in time), so the outbox keeps it for another try.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import type { BrokerConnection } from './broker-connection';

/** Marks each publish, so a message the broker hands back as unroutable is matched to its confirm. */
const PUBLISH_ID_HEADER = 'x-tracecart-publish-id';

/** Rejects when `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no confirm from RabbitMQ within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Publisher {
  private channel: ConfirmChannel | undefined;
  /** Publish ids the broker returned as unroutable (basic.return comes before the publish's confirm). */
  private readonly returned = new Set<string>();

  constructor(
    private readonly link: BrokerConnection,
    private readonly confirmTimeoutMs: number,
  ) {}

  get ready(): boolean {
    return this.channel !== undefined;
  }

  /** The connection went away: its channel with it. */
  lost(): void {
    this.channel = undefined;
  }

  async open(connection: ChannelModel): Promise<void> {
    const { logger } = this.link;
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'RabbitMQ publisher channel error'));
    channel.on('return', (message: Message) => {
      const id = message.properties.headers?.[PUBLISH_ID_HEADER] as unknown;
      if (typeof id === 'string') this.returned.add(id);
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      if (this.link.isLive(connection)) {
        logger.warn('RabbitMQ publisher channel closed on a live connection; recreating it');
        this.link.recreate('publisher', connection, (live) => this.open(live));
      }
    });
    this.channel = channel;
  }

  /**
   * Publishes with `mandatory`: a message no queue is bound for comes back (basic.return, before its
   * confirm) and the publish fails, instead of a confirm for a message that went nowhere (an exchange
   * or binding deleted and declared again).
   */
  async publish(exchange: string, routingKey: string, content: Buffer, properties: Options.Publish, what: string): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.link.up) throw new Error('RabbitMQ is not connected');
    const id = randomUUID();
    const headers = { ...(properties.headers as Record<string, unknown> | undefined), [PUBLISH_ID_HEADER]: id };
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          channel.publish(exchange, routingKey, content, { ...properties, headers, mandatory: true }, (error) => {
            if (error) reject(error instanceof Error ? error : new Error(String(error)));
            else if (this.returned.has(id))
              reject(new Error(`${what}: unroutable (no queue bound for ${routingKey} on ${exchange}); kept for another try`));
            else resolve();
          });
        }),
        this.confirmTimeoutMs,
        what,
      );
    } finally {
      this.returned.delete(id);
    }
  }
}
