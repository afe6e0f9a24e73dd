/**
 * The missing-index pathology's switch. Its state is the database's own: the pathology is on exactly
 * when payments has no (customer_id, created_at) index. Switching builds or drops the index
 * CONCURRENTLY, so it is safe while checkouts run.
 */
import type { Pool } from '@tracecart/postgres';
import type { ScenarioSwitch } from '@tracecart/http';

export const FRAUD_INDEX = 'payments_customer_created_idx';

async function indexState(pool: Pool): Promise<'valid' | 'invalid' | 'absent'> {
  const { rows } = await pool.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1`,
    [FRAUD_INDEX],
  );
  if (!rows[0]) return 'absent';
  return rows[0].valid ? 'valid' : 'invalid';
}

/** `forgetPlans` drops cached slow-query plans: they describe the index state before the switch. */
export async function setMissingIndex(pool: Pool, missing: boolean, forgetPlans: () => void): Promise<void> {
  const state = await indexState(pool);
  // An interrupted CREATE INDEX CONCURRENTLY leaves an invalid index behind: drop it either way.
  if (state === 'invalid' || (missing && state === 'valid')) {
    await pool.query(`DROP INDEX CONCURRENTLY IF EXISTS ${FRAUD_INDEX}`);
  }
  if (!missing && state !== 'valid') {
    // On its own connection without the pool's 30 s statement_timeout (a guard against runaway queries):
    // building the index over 4,000,000 rows takes seconds on a quiet machine and more than 30 s on a
    // busy one, and a timed-out build leaves an invalid index and the pathology on.
    const client = await pool.connect();
    try {
      await client.query('SET statement_timeout = 0');
      await client.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${FRAUD_INDEX} ON payments (customer_id, created_at)`);
      await client.query('ANALYZE payments');
    } finally {
      await client.query('RESET statement_timeout').catch(() => undefined);
      client.release();
    }
  }
  forgetPlans();
}

export async function missingIndexSwitch(pool: Pool, startEnabled: boolean, forgetPlans: () => void): Promise<ScenarioSwitch> {
  await setMissingIndex(pool, startEnabled, forgetPlans);
  let missing = startEnabled;
  let change: Promise<void> = Promise.resolve();
  return {
    enabled: () => missing,
    set: (enabled) => {
      // Serialise switches: two concurrent CREATE/DROP CONCURRENTLY on one index would deadlock.
      change = change.catch(() => undefined).then(async () => {
        await setMissingIndex(pool, enabled, forgetPlans);
        missing = enabled;
      });
      return change;
    },
  };
}
