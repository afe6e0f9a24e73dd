/** Runs `EXPLAIN (FORMAT JSON)` (plan only, the statement is never executed) and summarises the plan. */
import type pg from 'pg';
import { summarisePlan, type PlanSummary } from '@tracecart/telemetry';

export async function explainSummary(
  pool: pg.Pool,
  text: string,
  values: readonly unknown[],
): Promise<PlanSummary | undefined> {
  const result = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, [...values]);
  return summarisePlan(result.rows[0]?.['QUERY PLAN']);
}
