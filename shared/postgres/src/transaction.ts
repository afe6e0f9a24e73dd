/** The one transaction helper every service uses. */
import type pg from 'pg';

/**
 * Runs `work` in one transaction on one pooled connection: BEGIN, then COMMIT when `work` resolves,
 * ROLLBACK when it throws (the error is re-thrown); the connection goes back to the pool either way.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A deadlock (40P01) or serialization failure (40001): the transaction was rolled back and may simply run again. */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * withTransaction, run again (up to `attempts` times in all, after a short random pause) when it failed
 * on a deadlock or a serialization failure: such a failure rolled everything back, so `work` starts
 * afresh. `work` must be safe to repeat (anything it does outside the database must be idempotent).
 */
export async function withRetriedTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withTransaction(pool, work);
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}
