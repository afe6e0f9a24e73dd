/**
 * A service's database at start-up: its pool open, slow-query plans on. The database is migrated by the
 * one-shot step (`node dist/migrate.js`) before the service starts; with MIGRATE_AT_START=true the
 * service creates and migrates it itself first.
 */
import type { Config, ServiceName } from '@tracecart/config';
import type { Logger } from '@tracecart/logger';
import { migrate } from './migrations';
import { createPool, type Pool } from './pool';
import { explainSlowQueries, type SlowQueryPlans } from './slow-query-plans';

export async function openDatabase(
  config: Config,
  service: ServiceName,
  migrationsDir: string,
  logger: Logger,
): Promise<{ pool: Pool; plans: SlowQueryPlans }> {
  if (config.MIGRATE_AT_START) await migrate(config, service, migrationsDir, logger);
  const pool = createPool(config, service);
  const plans = explainSlowQueries(pool, { thresholdMs: config.SLOW_QUERY_EXPLAIN_MS });
  return { pool, plans };
}
