export {
  createPool,
  isDatabaseUnavailable,
  ping,
  databaseOutage,
  connectionSettings,
  type Pool,
  type PoolClient,
  type PoolOptions,
  type Queryable,
} from './pool';
export { preparePerConnection, statementName } from './prepared-statements';
export { withTransaction, withRetriedTransaction, isTransientConflict } from './transaction';
export { explainSlowQueries, type SlowQueryPlans, type SlowQueryPlanOptions } from './slow-query-plans';
export { ensureDatabase, migrate, migrationNames, pendingMigrations, applyMigrations, type AppliedMigration } from './migrations';
export { migrateCommand, runMigrateCommand } from './migrate-command';
export { openDatabase } from './database';
export { openSharedState, SERVICE_STATE_TABLE_SQL, type SharedState, type SharedStateOptions } from './shared-state';
