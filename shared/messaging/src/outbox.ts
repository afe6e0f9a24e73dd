/**
 * Transactional outbox. A service writes the event into its own `outbox` table in the same transaction
 * as the state change, so the event exists exactly when the change does. A relay publishes pending rows
 * with publisher confirms and deletes them only once the broker has confirmed: a broker outage delays
 * events, it never loses them (delivery is at least once; consumers are idempotent).
 *
 * Each row keeps the W3C trace context of the span that wrote it. The relay publishes inside that
 * context, so the producer span, and the consumer span after it, land in the checkout's trace even when
 * the row is published seconds later by a relay pass that belongs to no request.
 */
import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@tracecart/logger';
import type { Broker } from './broker';
import { eventSchemas, type EventInput, type RoutingKey } from './contracts';

/** DDL for the outbox table; each service's migrations include it. */
export const OUTBOX_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS outbox (
  id bigserial PRIMARY KEY,
  routing_key text NOT NULL,
  payload jsonb NOT NULL,
  trace_context jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Writes an event inside the caller's transaction, with the active trace context. The payload is typed
 * by the routing key's contract and checked against its schema before it is written.
 */
export async function enqueueEvent<K extends RoutingKey>(client: PoolClient, routingKey: K, payload: EventInput<K>): Promise<void> {
  await writeOutboxRow(client, routingKey, eventSchemas[routingKey].parse(payload));
}

/** The untyped write under enqueueEvent (tests use it with a routing key of their own). */
export async function writeOutboxRow(client: PoolClient, routingKey: string, payload: unknown): Promise<void> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  await client.query('INSERT INTO outbox (routing_key, payload, trace_context) VALUES ($1, $2, $3)', [
    routingKey,
    JSON.stringify(payload),
    JSON.stringify(carrier),
  ]);
}

interface OutboxRow {
  id: string;
  routing_key: string;
  payload: unknown;
  trace_context: Record<string, string>;
}

export interface OutboxRelay {
  /** Asks for a pass now (after a commit) instead of at the next poll. */
  kick(): void;
  /** Publishes what is pending, then stops polling. */
  stop(): Promise<void>;
  /** One pass: publishes up to `batchSize` rows; resolves to how many were published. */
  drainOnce(): Promise<number>;
}

export interface RelayOptions {
  pool: Pool;
  broker: Broker;
  logger: Logger;
  pollMs?: number;
  batchSize?: number;
}

export function startOutboxRelay({ pool, broker, logger, pollMs = 250, batchSize = 100 }: RelayOptions): OutboxRelay {
  let running = true;
  let pass: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  /**
   * One pass. No transaction, row lock or pooled connection is held while the broker is waited on (a
   * memory alarm can stall confirms for the whole confirm timeout): the batch is read, the connection
   * goes back to the pool, the rows are published, and the published ones are deleted afterwards. One
   * relay runs per service process and its passes never overlap; a second process (or a crash between
   * publish and delete) can publish a row twice, which at-least-once delivery and the idempotent
   * consumers already allow for.
   */
  async function publishPending(): Promise<number> {
    const { rows } = await pool.query<OutboxRow>('SELECT id, routing_key, payload, trace_context FROM outbox ORDER BY id LIMIT $1', [batchSize]);
    const published: string[] = [];
    // Every publish settles (each bounded by the broker's confirm timeout) before the published rows are
    // deleted: a failure of one row must not leave the rows that did publish to be published again.
    const outcomes = await Promise.allSettled(
      rows.map(async (row) => {
        const origin = propagation.extract(ROOT_CONTEXT, row.trace_context);
        // The stored context also goes into the headers, so it travels even with instrumentation off.
        await context.with(origin, () => broker.publish(row.routing_key, row.payload, row.trace_context));
        published.push(row.id);
      }),
    );
    if (published.length > 0) await pool.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [published]);
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return rows.length;
  }

  function schedule(delay: number): void {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runPass(), delay);
    timer.unref();
  }

  function runPass(): Promise<number> {
    if (pass) {
      again = true;
      return pass;
    }
    // Relay work belongs to no request: run it outside any trace.
    pass = context.with(ROOT_CONTEXT, publishPending).then(
      (count) => count,
      (error: unknown) => {
        logger.warn({ err: error }, 'outbox relay pass failed; will retry');
        return 0;
      },
    );
    void pass.then((count) => {
      pass = undefined;
      const more = again || count >= batchSize;
      again = false;
      schedule(more ? 0 : pollMs);
    });
    return pass;
  }

  schedule(0);
  return {
    kick: () => void runPass(),
    drainOnce: runPass,
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass;
      await runPass();
    },
  };
}
