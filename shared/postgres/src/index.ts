export {
  createPool,
  resizePool,
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
export { ensureDatabase, migrate } from './migrations';
export { openDatabase } from './database';
export { openSharedState, SERVICE_STATE_TABLE_SQL, type SharedState, type SharedStateOptions } from './shared-state';
