export {
  createPool,
  resizePool,
  inTransaction,
  isDatabaseUnavailable,
  ping,
  waitForDatabase,
  connectionSettings,
  type Pool,
  type PoolClient,
  type Queryable,
} from './pool';
export { ensureDatabase, migrate } from './migrations';
