/** Connection pools, and telling "the database is down" from "bad query". */
import pg from 'pg';
import type { Config, ServiceName } from '@tracecart/config';
import { databaseFor } from '@tracecart/config';
import { preparePerConnection } from './prepared-statements';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// NUMERIC arrives as a string by default; money columns are numeric(12,2) and fit a double exactly enough here.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** How long one connection attempt may take before it fails (and is retried by its caller). */
const ONE_CONNECTION_TIMEOUT_MS = 10_000;

export function connectionSettings(config: Config, database: string): pg.PoolConfig {
  return {
    host: config.POSTGRES_HOST,
    port: config.POSTGRES_PORT,
    user: config.POSTGRES_USER,
    password: config.POSTGRES_PASSWORD,
    database,
    // A single connection (the migrate step, the shared state's LISTEN) gives up on a connect that hangs
    // instead of waiting out the kernel's SYN retries (minutes); the callers retry. Pools set their own.
    connectionTimeoutMillis: ONE_CONNECTION_TIMEOUT_MS,
  };
}

export interface PoolOptions {
  max?: number;
  /** Named prepared statements for parameterised queries (prepared-statements.ts); default true. */
  prepare?: boolean;
  /** How long a request waits for a connection before it fails (503); default POSTGRES_CONNECT_TIMEOUT_MS. */
  connectionTimeoutMs?: number;
}

export function createPool(config: Config, service: ServiceName, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    ...connectionSettings(config, databaseFor(config, service)),
    max: options.max ?? config.POSTGRES_POOL_MAX,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? config.POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: `${service}-service`,
    // A runaway query fails instead of holding a connection for ever.
    statement_timeout: 30_000,
  });
  // An idle client losing its server (PostgreSQL restarting) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may a checked-out one (pool.connect(): transactions, the outbox relay): pg emits 'error' on the
  // client itself, which pg-pool only listens to while the client is idle, and an unhandled 'error'
  // event kills the process. The query in flight still fails with the error, and the broken client is
  // discarded on release (it is no longer queryable).
  const prepare = options.prepare ?? config.POSTGRES_PREPARED_STATEMENTS;
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (prepare) preparePerConnection(client);
  });
  return pool;
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '53300',
]);

/** True when an error means "the database is not reachable right now" (answer 503), not "bad query". */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && unavailableCodes.has(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** `SELECT 1` with a short deadline, for readiness probes. */
export async function ping(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * For a queue consumer: "the database is down" is an outage to wait out (the message is kept, no
 * delivery counted), not a failure of the message. Shaped as @tracecart/messaging's DependencyOutage.
 */
export function databaseOutage(pool: pg.Pool): { isOutage(error: unknown): boolean; available(): Promise<boolean> } {
  return { isOutage: isDatabaseUnavailable, available: () => ping(pool) };
}
