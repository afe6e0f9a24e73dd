/**
 * State that belongs to a service, not to one of its processes: the scenario switches and the hunt
 * exercise's mode, kept in the service's own database (table `service_state`, key → JSON value) and
 * pushed to every replica with PostgreSQL's LISTEN/NOTIFY, so a switch flipped through one replica is in
 * effect in all of them a few milliseconds later (docs/scaling.md).
 *
 * Each replica holds one dedicated connection (not from the pool): it LISTENs, it writes the changes, and
 * its `application_name` says that a replica of the service runs. At start, under an advisory lock that
 * serialises replicas starting together, a replica that finds no other running one writes the service's
 * defaults (SCENARIOS_AT_START, no exercise): exactly what a restart did when the state lived in memory.
 * One that finds another running joins the stored state instead. The same connection answers the
 * readiness probe, so a starved pool (pool-starvation) makes a replica slow, never unready.
 */
import pg from 'pg';
import type { Config, ServiceName } from '@tracecart/config';
import { databaseFor } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { connectionSettings } from './pool';

/** DDL of the state table; each service's migrations create it. */
export const SERVICE_STATE_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS service_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;

const CHANNEL = 'tracecart_service_state';
/** The advisory lock key that serialises replicas' start-up decisions (first or joining). */
const START_LOCK = 'tracecart.service_state.start';

export interface SharedState {
  /** True when no other replica of the service ran when this one started: it wrote the defaults. */
  readonly first: boolean;
  /** The value stored under `key` as this replica last saw it. */
  value(key: string): unknown;
  /** Stores a value and tells every replica; resolves once committed (this replica's listeners have run). */
  set(key: string, value: unknown): Promise<void>;
  /** Called for every change another replica makes (and after a reconnect, for what changed meanwhile). */
  onChange(listener: (key: string, value: unknown) => void): void;
  /** Whether the database answers on the dedicated connection (readiness; never waits on the pool). */
  ping(): Promise<boolean>;
  /**
   * Runs `work` while no other replica of the service runs work under the same name: a session advisory
   * lock on the dedicated connection, taken by polling pg_try_advisory_lock, never by a blocking wait
   * (a session waiting on a lock holds a snapshot, which CREATE INDEX CONCURRENTLY would wait for).
   */
  exclusively<T>(name: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  config: Config;
  service: ServiceName;
  logger: Logger;
  /** What the first replica writes (and what a key without a stored value reads as). */
  defaults: Record<string, unknown>;
  /** Time between reconnection attempts after the connection dropped. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function openSharedState({ config, service, logger, defaults, retryMs = 500 }: SharedStateOptions): Promise<SharedState> {
  const runningName = `${service}-service/replica`;
  const settings = connectionSettings(config, databaseFor(config, service));
  const values = new Map<string, unknown>(Object.entries(defaults));
  const listeners: Array<(key: string, value: unknown) => void> = [];
  let client: pg.Client | undefined;
  let closed = false;
  let reconnecting: Promise<void> | undefined;

  const apply = (key: string, value: unknown, notify: boolean) => {
    const before = JSON.stringify(values.get(key));
    values.set(key, value);
    if (!notify || before === JSON.stringify(value)) return;
    for (const listener of listeners) {
      try {
        listener(key, value);
      } catch (error) {
        logger.warn({ err: error, key }, 'applying a shared state change failed');
      }
    }
  };

  const readAll = async (db: pg.Client, notify: boolean) => {
    const { rows } = await db.query<{ key: string; value: unknown }>('SELECT key, value FROM service_state');
    for (const row of rows) apply(row.key, row.value, notify);
  };

  /** Connects, listens, and (at start) decides whether this replica is the first; resolves to that. */
  const connect = async (starting: boolean): Promise<boolean> => {
    const db = new pg.Client({ ...settings, application_name: `${service}-service/joining` });
    db.on('error', () => undefined);
    await db.connect();
    // Its own notifications come back to it: this replica already applied them.
    const backend = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    db.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.processId === backend || !message.payload) return;
      try {
        const { key, value } = JSON.parse(message.payload) as { key: string; value: unknown };
        apply(key, value, true);
      } catch (error) {
        logger.warn({ err: error }, 'unreadable shared state notification');
      }
    });
    db.on('end', () => {
      if (client === db) client = undefined;
      if (!closed) reconnectSoon();
    });
    await db.query(`LISTEN ${CHANNEL}`);
    let first = false;
    await db.query('BEGIN');
    try {
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [START_LOCK]);
      if (starting) {
        const others = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()',
          [runningName],
        );
        first = others.rows[0]!.n === 0;
        if (first) {
          for (const [key, value] of Object.entries(defaults)) await upsert(db, key, value);
        }
      }
      await readAll(db, !starting);
      await db.query("SELECT set_config('application_name', $1, false)", [runningName]);
      await db.query('COMMIT');
    } catch (error) {
      await db.end().catch(() => undefined);
      throw error;
    }
    client = db;
    return first;
  };

  const upsert = (db: pg.Client, key: string, value: unknown) =>
    db.query(
      `WITH stored AS (
         INSERT INTO service_state (key, value, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         RETURNING key)
       SELECT pg_notify($3, $4) FROM stored`,
      [key, JSON.stringify(value), CHANNEL, JSON.stringify({ key, value })],
    );

  function reconnectSoon(): void {
    if (reconnecting || closed) return;
    reconnecting = (async () => {
      while (!closed && !client) {
        await sleep(retryMs);
        try {
          await connect(false);
          logger.info('shared state: reconnected');
        } catch {
          // PostgreSQL still away: try again.
        }
      }
    })().finally(() => {
      reconnecting = undefined;
    });
  }

  const connected = (): pg.Client => {
    if (!client) throw Object.assign(new Error('Connection terminated: the shared state connection is down'), { code: '08006' });
    return client;
  };

  const first = await connect(true);
  logger.info({ first }, first ? 'no other replica runs: starting from the defaults' : 'another replica runs: joining its state');

  return {
    first,
    value: (key) => values.get(key),
    async set(key, value) {
      await upsert(connected(), key, value);
      apply(key, value, false);
    },
    onChange: (listener) => void listeners.push(listener),
    ping: () =>
      client
        ? withTimeout(
            client.query('SELECT 1').then(
              () => true,
              () => false,
            ),
            2_000,
            false,
          )
        : Promise.resolve(false),
    async exclusively(name, work) {
      for (;;) {
        const { rows } = await connected().query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [name]);
        if (rows[0]!.locked) break;
        await sleep(100);
      }
      const holder = client;
      try {
        return await work();
      } finally {
        await holder?.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
      }
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
