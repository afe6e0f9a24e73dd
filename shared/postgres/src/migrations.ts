/**
 * A service's database: created when it is missing, its SQL migrations (seeds included) applied with
 * node-pg-migrate. Both steps are idempotent, and a second migrator waits for the first one's advisory
 * lock (then finds nothing left to do) instead of failing. The one-shot step (`node dist/migrate.js`,
 * migrate-command.ts) runs this once per deployment; a service runs it at start only when
 * MIGRATE_AT_START=true.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Config, ServiceName } from '@tracecart/config';
import { databaseFor } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { connectionSettings } from './pool';

const MIGRATIONS_TABLE = 'pgmigrations';

/** Creates the service's database if it is missing; true when this call created it. */
export async function ensureDatabase(config: Config, service: ServiceName): Promise<boolean> {
  const database = databaseFor(config, service);
  const client = new pg.Client(connectionSettings(config, 'postgres'));
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount !== 0) return false;
    // Identifiers cannot be bound as parameters; the name is validated by the config schema and quoted here.
    return await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).then(
      () => true,
      (error: { code?: string }) => {
        // Created meanwhile by another migrator: 42P04 (duplicate database) or, when both raced into
        // the catalogue, 23505 (unique violation on pg_database's name).
        if (error.code === '42P04' || error.code === '23505') return false;
        throw error;
      },
    );
  } finally {
    await client.end();
  }
}

/** The migration names in `dir`, in order (node-pg-migrate's name: the file name without its extension). */
export function migrationNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.(sql|js|cjs|ts)$/.test(file))
    .map((file) => path.parse(file).name)
    .sort();
}

/** The migrations of `dir` not yet applied to the service's database (all of them when it does not exist). */
export async function pendingMigrations(config: Config, service: ServiceName, dir: string): Promise<string[]> {
  const expected = migrationNames(dir);
  const client = new pg.Client(connectionSettings(config, databaseFor(config, service)));
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') return expected; // the database does not exist yet
    throw error;
  }
  try {
    const table = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [MIGRATIONS_TABLE]);
    if (!table.rows[0]?.exists) return expected;
    const applied = new Set((await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows.map((row) => row.name));
    return expected.filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}

export interface AppliedMigration {
  name: string;
  ms: number;
}

/**
 * Applies the pending migrations one at a time (each in its own transaction, timed, reported to
 * `onApplied` as it finishes), waiting for another migrator's lock rather than failing; returns what this
 * call applied.
 */
export async function applyMigrations(
  config: Config,
  service: ServiceName,
  dir: string,
  onApplied: (migration: AppliedMigration) => void = () => undefined,
  connection?: pg.Client,
): Promise<AppliedMigration[]> {
  const applied: AppliedMigration[] = [];
  // One connection for every migration (the caller's, if it passes one): in the compose check, new
  // connections to PostgreSQL (320 MiB limit) timed out for 50 s while payment's seed wrote its 400 MB.
  const client = connection ?? new pg.Client(connectionSettings(config, databaseFor(config, service)));
  if (!connection) await client.connect();
  try {
    for (;;) {
      const started = performance.now();
      const ran = await runner({
        dbClient: client,
        dir,
        direction: 'up',
        migrationsTable: MIGRATIONS_TABLE,
        count: 1,
        checkOrder: true,
        advisoryLockMode: 'wait',
        log: () => undefined,
      });
      const [migration] = ran;
      if (!migration) return applied;
      applied.push({ name: migration.name, ms: performance.now() - started });
      onApplied(applied[applied.length - 1]!);
    }
  } finally {
    if (!connection) await client.end();
  }
}

/**
 * After migrations were applied, outside any transaction (VACUUM refuses one): sets the seeded rows' hint
 * bits and visibility, and the planner's statistics (the seeds leave that to this), so neither the first
 * sequential scans nor autovacuum do it under load. Resolves to the time it took in ms.
 */
async function vacuumAnalyze(client: pg.Client): Promise<number> {
  const started = performance.now();
  // PARALLEL 0: parallel index vacuuming shares its memory through /dev/shm, 64 MB in a container by
  // default, and failed there with "could not resize shared memory segment" (the compose check).
  await client.query('VACUUM (ANALYZE, PARALLEL 0)');
  return performance.now() - started;
}

/**
 * The pending migrations (see applyMigrations) and, if any was applied, VACUUM ANALYZE, all on one
 * connection opened here: what both the one-shot step and MIGRATE_AT_START=true run. Resolves to what was
 * applied and how long the VACUUM took (0 when nothing was applied).
 */
export async function applyMigrationsAndVacuum(
  config: Config,
  service: ServiceName,
  dir: string,
  onApplied?: (migration: AppliedMigration) => void,
): Promise<{ applied: AppliedMigration[]; vacuumMs: number }> {
  const client = new pg.Client(connectionSettings(config, databaseFor(config, service)));
  await client.connect();
  try {
    const applied = await applyMigrations(config, service, dir, onApplied, client);
    const vacuumMs = applied.length > 0 ? await vacuumAnalyze(client) : 0;
    return { applied, vacuumMs };
  } finally {
    await client.end();
  }
}

/** Creates the database if missing, then applyMigrationsAndVacuum (what MIGRATE_AT_START=true runs). */
export async function migrate(config: Config, service: ServiceName, dir: string, logger: Logger): Promise<AppliedMigration[]> {
  await ensureDatabase(config, service);
  const { applied } = await applyMigrationsAndVacuum(config, service, dir);
  logger.info({ applied: applied.map((migration) => migration.name) }, 'migrations applied');
  return applied;
}
