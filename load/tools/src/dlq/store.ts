/**
 * The dead-letter queues, read and changed over AMQP: what `pnpm dlq` does. The queues come from the
 * messaging topology (@tracecart/messaging/topology): one dead-letter queue per consumed queue.
 *
 * Reading never removes: messages are taken unacknowledged and handed back when the channel closes
 * (each look adds one to a quorum queue's x-delivery-count; the dead-letter queues have no delivery
 * limit, so nothing is lost by looking). Replay publishes the message to the queue it came from (the
 * default exchange, so only that queue's consumer gets it again), waits for the broker's confirm, and
 * only then acks it out of the dead-letter queue: a replay interrupted between the two leaves it in
 * both places, and replaying it again delivers it twice; the consumers are idempotent (shipping keeps
 * one shipment per order, order marks an order SHIPPED once), so it is processed once.
 */
import { createHash } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type GetMessage, type Message } from 'amqplib';
import { CliError } from '@tracecart/stack-client';
import { parseEvent, type RoutingKey } from '@tracecart/messaging/contracts';
import {
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REJECTION_REASON_HEADER,
  deadLetterQueues,
  type QueueSpec,
} from '@tracecart/messaging/topology';

/** Header a replayed message carries: the dead-letter queue it came back from. */
export const REPLAYED_FROM_HEADER = 'x-tracecart-replayed-from';

/** Headers the broker or the dead-lettering added; a replay leaves them behind. */
const DEAD_LETTER_HEADERS = [
  REJECTION_REASON_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
  'x-tracecart-publish-id',
];

export interface DeadLetter {
  /** Short stable id (a hash of the message): what show, replay and drop take. */
  id: string;
  /** The message's own AMQP message-id, if it has one (show, replay and drop take it too). */
  messageId: string | undefined;
  /** The dead-letter queue it sits in. */
  deadLetterQueue: string;
  /** The queue it was dead-lettered from, and that queue's routing key (its contract). */
  queue: string;
  routingKey: RoutingKey;
  /** Why: the consumer's reason header, or the broker's (x-death) when the broker dead-lettered it. */
  reason: string;
  /** How many times it was looked at or handed back in the dead-letter queue. */
  deliveries: number;
  /** When it was published, if the publisher said (AMQP timestamp). */
  publishedAt: string | undefined;
  headers: Record<string, unknown>;
  contentType: string | undefined;
  /** The body as text (UTF-8), and parsed when it is JSON. */
  body: string;
  json: unknown;
  /** Whether the body passes its queue's contract today (what a replay would need). */
  valid: { ok: true } | { ok: false; reason: string };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  // A header may be a number, a boolean or a table (an object): each as JSON.
  return JSON.stringify(value);
}

function brokerReason(headers: Record<string, unknown>): string {
  const deaths = headers['x-death'];
  const first = Array.isArray(deaths) ? (deaths[0] as Record<string, unknown> | undefined) : undefined;
  const why = text(first?.reason) ?? text(headers['x-first-death-reason']);
  if (!why) return 'unknown (no reason header, no x-death)';
  const hint =
    why === 'delivery_limit'
      ? ': failed more times than the delivery limit'
      : why === 'rejected'
        ? ': rejected without its reason (the consumer could not publish it)'
        : '';
  return `broker: ${why}${hint}`;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function describeMessage(message: Message, deadLetterQueue: string, source: QueueSpec): DeadLetter {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const body = message.content.toString('utf8');
  const json = parseBody(body);
  const messageId = text(message.properties.messageId);
  const reason = text(headers[REJECTION_REASON_HEADER]) ?? brokerReason(headers);
  const id = createHash('sha256')
    .update(`${messageId ?? ''}\u0000${reason}\u0000`)
    .update(message.content)
    .digest('hex')
    .slice(0, 12);
  const parsed = json === undefined ? { ok: false as const, reason: 'body is not valid JSON' } : parseEvent(source.bindingKey, json);
  const timestamp = message.properties.timestamp as unknown;
  return {
    id,
    messageId,
    deadLetterQueue,
    // Where a replay goes: the queue this dead-letter queue serves (the topology's word, not a header's).
    queue: source.name,
    routingKey: source.bindingKey,
    reason,
    deliveries: Number(headers['x-delivery-count'] ?? 0),
    publishedAt: typeof timestamp === 'number' ? new Date(timestamp * 1_000).toISOString() : undefined,
    headers,
    contentType: text(message.properties.contentType),
    body,
    json,
    valid: parsed.ok ? { ok: true } : { ok: false, reason: parsed.reason },
  };
}

export interface DlqStore {
  /** The dead-letter queues known to the topology, with how many messages each holds. */
  queues(): Promise<Array<{ name: string; queue: string; messages: number }>>;
  /** The messages of one dead-letter queue (or all), up to `limit` per queue, left in place. */
  list(options?: { queue?: string; limit?: number }): Promise<DeadLetter[]>;
  /** One message by id or message-id, left in place; undefined when absent. */
  find(id: string): Promise<DeadLetter | undefined>;
  /**
   * Puts the message back on the queue it came from (with `payload` instead of its body when given,
   * e.g. a fixed one), then removes it from the dead-letter queue. Refuses a body that fails its
   * queue's contract (it would only be dead-lettered again) unless `force`.
   */
  replay(id: string, options?: { payload?: unknown; force?: boolean }): Promise<DeadLetter>;
  /** Removes the message for good; resolves to what was removed. */
  drop(id: string): Promise<DeadLetter>;
  close(): Promise<void>;
}

const SCAN_LIMIT = 10_000;

function resolveQueue(name: string | undefined): Array<{ name: string; queue: QueueSpec }> {
  const all = deadLetterQueues();
  if (name === undefined) return all;
  const match = all.filter((entry) => entry.name === name || entry.queue.name === name);
  if (match.length === 0) throw new CliError(`unknown queue ${name}: one of ${all.map((entry) => entry.name).join(', ')}`, 2);
  return match;
}

export async function openDlqStore(url: string): Promise<DlqStore> {
  const connection: ChannelModel = await amqp.connect(url, { clientProperties: { connection_name: 'pnpm dlq' } });
  connection.on('error', () => undefined);

  /**
   * Takes up to `limit` messages of a dead-letter queue unacknowledged on a channel of its own, lets
   * `use` ack the ones it settles, and hands every other back (closing the channel requeues them).
   */
  async function scan<T>(
    entry: { name: string; queue: QueueSpec },
    limit: number,
    use: (messages: Array<{ raw: GetMessage; letter: DeadLetter }>, channel: Channel) => Promise<T>,
  ): Promise<T> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      const messages: Array<{ raw: GetMessage; letter: DeadLetter }> = [];
      while (messages.length < limit) {
        const raw = await channel.get(entry.name, { noAck: false });
        if (!raw) break;
        messages.push({ raw, letter: describeMessage(raw, entry.name, entry.queue) });
      }
      return await use(messages, channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Finds one message across the dead-letter queues and runs `act` on it while it is held. */
  async function withMessage<T>(
    id: string,
    act: (held: { raw: GetMessage; letter: DeadLetter }, channel: Channel) => Promise<T>,
  ): Promise<T> {
    for (const entry of deadLetterQueues()) {
      const found = await scan(entry, SCAN_LIMIT, async (messages, channel) => {
        const held = messages.find(({ letter }) => letter.id === id || letter.messageId === id);
        return held ? { value: await act(held, channel) } : undefined;
      });
      if (found) return found.value;
    }
    throw new CliError(`no dead-lettered message ${id} (already replayed or dropped?): nothing done`, 3);
  }

  async function republish(letter: DeadLetter, raw: GetMessage, content: Buffer): Promise<void> {
    const publisher: ConfirmChannel = await connection.createConfirmChannel();
    publisher.on('error', () => undefined);
    let unroutable = false;
    publisher.on('return', () => {
      unroutable = true;
    });
    try {
      const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !DEAD_LETTER_HEADERS.includes(name)));
      headers[REPLAYED_FROM_HEADER] = letter.deadLetterQueue;
      await new Promise<void>((resolve, reject) => {
        publisher.publish('', letter.queue, content, { ...raw.properties, headers, persistent: true, mandatory: true }, (error) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        );
      });
      if (unroutable) throw new CliError(`queue ${letter.queue} does not exist: ${letter.id} left in ${letter.deadLetterQueue}`);
    } finally {
      await publisher.close().catch(() => undefined);
    }
  }

  return {
    async queues() {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        const counts = [];
        for (const entry of deadLetterQueues()) {
          counts.push({ name: entry.name, queue: entry.queue.name, messages: (await channel.checkQueue(entry.name)).messageCount });
        }
        return counts;
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    async list({ queue, limit = 100 } = {}) {
      const letters: DeadLetter[] = [];
      for (const entry of resolveQueue(queue))
        letters.push(...(await scan(entry, limit, async (messages) => messages.map(({ letter }) => letter))));
      return letters;
    },
    async find(id) {
      try {
        return await withMessage(id, async ({ letter }) => letter);
      } catch (error) {
        if (error instanceof CliError && error.exitCode === 3) return undefined;
        throw error;
      }
    },
    async replay(id, { payload, force = false } = {}) {
      return withMessage(id, async ({ raw, letter }, channel) => {
        const content = payload === undefined ? raw.content : Buffer.from(JSON.stringify(payload));
        const checked = payload === undefined ? letter.valid : parseEvent(letter.routingKey, payload);
        if (!checked.ok && !force) {
          throw new CliError(`${letter.id} would be refused again (${checked.reason}): fix it with --payload, or --force`, 2);
        }
        await republish(letter, raw, content);
        channel.ack(raw);
        return letter;
      });
    },
    async drop(id) {
      return withMessage(id, async ({ raw, letter }, channel) => {
        channel.ack(raw);
        return letter;
      });
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}
