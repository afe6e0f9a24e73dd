/**
 * Transactional outbox. A service writes the event into its own `outbox` table in the same transaction
 * as the state change, so the event exists exactly when the change does. A relay publishes pending rows
 * with publisher confirms and deletes them only once the broker has confirmed: a broker outage delays
 * events, it never loses them (delivery is at least once; consumers are idempotent).
 *
 * Each row keeps the W3C trace context of the span that wrote it. The relay publishes inside that
 * context, so the producer span, and the consumer span after it, land in the checkout's trace even when
 * the row is published seconds later by a relay pass that belongs to no request.
 *
 * Several replicas of a service run a relay each over the same table: a relay leases the rows it
 * publishes (claimed_by, claimed_until) in one short statement (FOR UPDATE SKIP LOCKED, committed before
 * anything is published), so in normal operation each row is published once. A lease that outlives its
 * relay (killed between publish and delete) expires and the row is published again: at least once.
 */
import { hostname } from 'node:os';
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

/** The relay's lease columns (a later migration of each service adds them to the table above). */
export const OUTBOX_LEASE_SQL = `
ALTER TABLE outbox
  ADD COLUMN IF NOT EXISTS claimed_by text,
  ADD COLUMN IF NOT EXISTS claimed_until timestamptz`;

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
  /** Who leases the rows (the replica's service.instance.id); default host name and process id. */
  owner?: string;
  /** How long a lease lasts: longer than a batch's publishes can take (each bounded by the confirm timeout). */
  leaseSeconds?: number;
  /** Counts what this relay published (the replicas' tests and measurements read it). */
  onPublished?: (count: number) => void;
}

export function startOutboxRelay({
  pool,
  broker,
  logger,
  pollMs = 250,
  batchSize = 100,
  owner = `${hostname()}:${process.pid}`,
  leaseSeconds = 60,
  onPublished,
}: RelayOptions): OutboxRelay {
  let running = true;
  let pass: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  /**
   * One pass. No transaction, row lock or pooled connection is held while the broker is waited on (a
   * memory alarm can stall confirms for the whole confirm timeout): the batch is leased in one statement
   * (its own transaction, committed at once), the connection goes back to the pool, the rows are
   * published, and the published ones are deleted afterwards; the failed ones are released for the next
   * pass. One relay runs per service process and its passes never overlap; relays of other replicas skip
   * leased rows. A crash between publish and delete publishes a row twice once its lease expires, which
   * at-least-once delivery and the idempotent consumers already allow for.
   */
  async function publishPending(): Promise<number> {
    const leased = await pool.query<OutboxRow>(
      `UPDATE outbox SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM outbox WHERE claimed_until IS NULL OR claimed_until < now()
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, routing_key, payload, trace_context`,
      [owner, leaseSeconds, batchSize],
    );
    const rows = leased.rows.sort((a, b) => Number(a.id) - Number(b.id));
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
    onPublished?.(published.length);
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) {
      // Released for the next pass (this relay's or another's) instead of waiting out the lease.
      const unpublished = rows.map((row) => row.id).filter((id) => !published.includes(id));
      await pool
        .query('UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND claimed_by = $2', [unpublished, owner])
        .catch(() => undefined);
      throw failed.reason;
    }
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
