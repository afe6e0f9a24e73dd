/**
 * Creates a service's database when it is missing and applies its SQL migrations with node-pg-migrate.
 * Both steps are idempotent, so every service runs them at start-up: no manual step on a first start.
 */
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Config, ServiceName } from '@tracecart/config';
import { databaseFor } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { connectionSettings } from './pool';

export async function ensureDatabase(config: Config, service: ServiceName): Promise<void> {
  const database = databaseFor(config, service);
  const client = new pg.Client(connectionSettings(config, 'postgres'));
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      // Identifiers cannot be bound as parameters; the name is validated by the config schema and quoted here.
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a twin process
      });
    }
  } finally {
    await client.end();
  }
}

export async function migrate(config: Config, service: ServiceName, dir: string, logger: Logger): Promise<void> {
  await ensureDatabase(config, service);
  const applied = await runner({
    databaseUrl: connectionSettings(config, databaseFor(config, service)),
    dir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    log: () => undefined,
  });
  logger.info({ applied: applied.map((migration) => migration.name) }, 'migrations applied');
}
