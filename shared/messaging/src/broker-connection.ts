/**
 * The broker connection's shared state: which connection is live (undefined while amqplib recovers it),
 * whether its setup finished, whether the broker was closed; and how a channel that died on a live
 * connection is recreated. The publisher and the consumers each own their channels and use this.
 */
import type { ChannelModel } from 'amqplib';
import type { Logger } from '@tracecart/logger';
import { assertTopology } from './topology';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BrokerConnection {
  /** The live connection, undefined while it is being recovered. */
  current: ChannelModel | undefined;
  /** The live connection's setup (topology, publisher, consumers) finished. */
  up = false;
  /** close() was called: nothing is recreated any more. */
  closed = false;
  /** Channels being recreated (by name), so a channel closing twice is recreated once. */
  private readonly recreating = new Set<string>();

  constructor(
    readonly logger: Logger,
    private readonly deliveryLimit: number,
  ) {}

  /** True while `connection` is the one in use and the broker is open. */
  isLive(connection: ChannelModel): boolean {
    return !this.closed && this.current === connection;
  }

  /** Exchanges, queues and bindings, declared again (idempotent) before any channel is (re)created. */
  async declareTopology(connection: ChannelModel): Promise<void> {
    const admin = await connection.createChannel();
    admin.on('error', () => undefined); // a refused declaration closes it; the caller sees the rejection
    try {
      await assertTopology(admin, this.deliveryLimit);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /**
   * Recreates a channel that closed while its connection lives, until it works or the connection goes
   * (the connection's own recovery then recreates everything). Backoff from 100 ms, capped at 2 s.
   */
  recreate(name: string, connection: ChannelModel, open: (connection: ChannelModel) => Promise<void>): void {
    if (this.recreating.has(name)) return;
    this.recreating.add(name);
    void (async () => {
      try {
        for (let attempt = 0; ; attempt += 1) {
          await sleep(Math.min(2_000, 100 * 2 ** attempt));
          if (!this.isLive(connection)) return;
          try {
            await this.declareTopology(connection);
            await open(connection);
            this.logger.info({ channel: name, attempts: attempt + 1 }, 'RabbitMQ channel recreated on the live connection');
            return;
          } catch (error) {
            this.logger.warn({ err: error, channel: name, attempt: attempt + 1 }, 'RabbitMQ channel could not be recreated yet; retrying');
          }
        }
      } finally {
        this.recreating.delete(name);
      }
    })();
  }
}
