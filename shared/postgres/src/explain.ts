/** Runs `EXPLAIN (FORMAT JSON)` (plan only, the statement is never executed) and summarises the plan. */
import type pg from 'pg';
import { summarisePlan, type PlanSummary } from '@tracecart/telemetry';

export async function explainSummary(
  pool: pg.Pool,
  text: string,
  values: readonly unknown[],
): Promise<PlanSummary | undefined> {
  // Not pool.query: when the pool is busy, pg-pool runs its callback in the context of whichever request
  // releases a connection, and the EXPLAIN would land in that request's trace. Awaiting connect() keeps
  // the caller's (root) context, so the EXPLAIN makes no span at all.
  const client = await pool.connect();
  try {
    const result = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, [...values]);
    return summarisePlan(result.rows[0]?.['QUERY PLAN']);
  } finally {
    client.release();
  }
}
