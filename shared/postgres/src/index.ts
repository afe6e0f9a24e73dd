export {
  createPool,
  resizePool,
  poolSize,
  inTransaction,
  isDatabaseUnavailable,
  isUniqueViolation,
  ping,
  waitForDatabase,
  connectionSettings,
  type Pool,
  type PoolClient,
  type Queryable,
} from './pool';
export { ensureDatabase, migrate } from './migrations';
export { explainSummary } from './explain';
