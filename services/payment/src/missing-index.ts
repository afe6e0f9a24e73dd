/**
 * The missing-index pathology's switch. Its state is the database's own: the pathology is on exactly
 * when payments has no (customer_id, created_at) index. Switching builds or drops the index
 * CONCURRENTLY, so it is safe while checkouts run.
 *
 * With several replicas the index is the service's: one replica at a time builds or drops it (under the
 * shared state's `exclusively`), then stores the switch, and the other replicas only take the new value
 * (and forget their cached plans). A replica that joins running ones leaves the index as it finds it.
 */
import type { Pool, SharedState } from '@tracecart/postgres';
import { flagSwitch, sharedSwitch, type ScenarioSwitch } from '@tracecart/http';

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
  const client = await pool.connect();
  try {
    // The pool's 30 s statement timeout is for requests: building the index over 4,000,000+ rows on a busy
    // machine may take longer, and an interrupted build leaves an invalid index to drop and build again.
    await client.query("SET statement_timeout = '10min'");
    // An interrupted CREATE INDEX CONCURRENTLY leaves an invalid index behind: drop it either way.
    if (state === 'invalid' || (missing && state === 'valid')) {
      await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${FRAUD_INDEX}`);
    }
    if (!missing && state !== 'valid') {
      await client.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${FRAUD_INDEX} ON payments (customer_id, created_at)`);
      await client.query('ANALYZE payments');
    }
    await client.query('RESET statement_timeout');
    client.release();
  } catch (error) {
    // A connection whose statement failed half-way is not given back to the pool's next request.
    client.release(true);
    throw error;
  }
  forgetPlans();
}

const INDEX_LOCK = 'tracecart.payment.missing-index';

export async function missingIndexSwitch(
  pool: Pool,
  state: SharedState,
  startEnabled: boolean,
  forgetPlans: () => void,
): Promise<ScenarioSwitch> {
  // The first replica applies SCENARIOS_AT_START to the index, as a lone process always did.
  if (state.first) await state.exclusively(INDEX_LOCK, () => setMissingIndex(pool, startEnabled, forgetPlans));
  // This process's view of the switch: applied on every replica when the stored value changes.
  const local = flagSwitch(startEnabled, () => forgetPlans());
  let change: Promise<void> = Promise.resolve();
  const shared = sharedSwitch(state, 'missing-index', local, (enabled) =>
    state.exclusively(INDEX_LOCK, () => setMissingIndex(pool, enabled, forgetPlans)),
  );
  return {
    enabled: shared.enabled,
    set: (enabled) => {
      // Serialise this process's switches (two concurrent CREATE/DROP CONCURRENTLY on one index would
      // deadlock); `exclusively` does the same across replicas.
      change = change.catch(() => undefined).then(() => shared.set(enabled));
      return change;
    },
  };
}
