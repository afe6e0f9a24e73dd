/**
 * Slow-query plans on db spans. A SELECT span slower than the threshold gets an `app.db.plan` event
 * summarising its EXPLAIN (top plan node, first scan node, row estimate), e.g. "Seq Scan on payments".
 * The event and its attributes are ours, so they live under `app.`: `db.*` belongs to the semantic
 * conventions, which may define `db.query.plan` differently some day.
 *
 * EXPLAIN without ANALYZE plans a statement and never runs it, and only SELECTs are explained, so no
 * write is ever repeated. The plan is computed after the slow query (off the request's trace) and cached
 * per statement text for a few seconds; slow spans of that statement carry it from then on. Parameter
 * values reach the explainer only; they are never written to a span.
 *
 * The feature is switched on explicitly per pool (`explainSlowQueries(pool, ...)`); it sees query spans
 * through @tracecart/telemetry's generic query-span listener and keeps all its state in that call.
 */
import { ROOT_CONTEXT, context, type Span } from '@opentelemetry/api';
import type pg from 'pg';
import { addDbQueryListener, type DbQuery } from '@tracecart/telemetry';

export interface PlanSummary {
  topNode: string;
  scanNode: string | undefined;
  rows: number;
  summary: string;
}

export interface SlowQueryPlanOptions {
  /** Query spans slower than this get a plan event; 0 switches the feature off. */
  thresholdMs: number;
  /** How long a statement's plan is reused before it is explained again. */
  cacheMs?: number;
}

export interface SlowQueryPlans {
  /** Forgets cached plans, e.g. after an index was created or dropped. */
  forget: () => void;
  /** Stops explaining (the pool stays as it is). */
  stop: () => void;
}

/** The event a slow SELECT's span gets; its attributes are `app.db.plan.summary`, `.top_node`, `.scan_node`, `.rows`. */
export const PLAN_EVENT = 'app.db.plan';

const selectStatement = /^\s*(with\b[\s\S]*?\)\s*)?select\b/i;

/** Explains this pool's slow SELECTs and puts the plan summary on their spans. */
export function explainSlowQueries(pool: pg.Pool, { thresholdMs, cacheMs = 5_000 }: SlowQueryPlanOptions): SlowQueryPlans {
  const plans = new Map<string, { plan: PlanSummary; at: number }>();
  if (thresholdMs <= 0) return { forget: () => plans.clear(), stop: () => undefined };
  const pendingBySpan = new WeakMap<Span, DbQuery>();
  const explaining = new Set<string>();

  const stop = addDbQueryListener({
    onQuery(span, query) {
      if (selectStatement.test(query.text)) pendingBySpan.set(span, query);
    },
    onResult(span, elapsedMs) {
      const query = pendingBySpan.get(span);
      if (!query) return;
      pendingBySpan.delete(span);
      if (elapsedMs < thresholdMs) return;
      const cached = plans.get(query.text);
      if (cached && Date.now() - cached.at < cacheMs) {
        span.addEvent(PLAN_EVENT, {
          'app.db.plan.summary': cached.plan.summary,
          'app.db.plan.top_node': cached.plan.topNode,
          'app.db.plan.scan_node': cached.plan.scanNode ?? '',
          'app.db.plan.rows': cached.plan.rows,
        });
        return;
      }
      if (explaining.has(query.text)) return;
      explaining.add(query.text);
      void context
        .with(ROOT_CONTEXT, () => explainSummary(pool, query.text, query.values))
        .then((plan) => {
          if (plan) plans.set(query.text, { plan, at: Date.now() });
        })
        .catch(() => undefined)
        .finally(() => explaining.delete(query.text));
    },
  });
  return { forget: () => plans.clear(), stop };
}

/** Runs `EXPLAIN (FORMAT JSON)` (plan only, the statement is never executed) and summarises the plan. */
async function explainSummary(pool: pg.Pool, text: string, values: readonly unknown[]): Promise<PlanSummary | undefined> {
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

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  Plans?: PlanNode[];
}

function describe(node: PlanNode): string {
  if (node['Index Name']) return `${node['Node Type']} using ${node['Index Name']} on ${node['Relation Name'] ?? '?'}`;
  if (node['Relation Name']) return `${node['Node Type']} on ${node['Relation Name']}`;
  return node['Node Type'];
}

function firstScan(node: PlanNode): PlanNode | undefined {
  if (node['Node Type'].includes('Scan') && node['Relation Name']) return node;
  for (const child of node.Plans ?? []) {
    const scan = firstScan(child);
    if (scan) return scan;
  }
  return undefined;
}

/** Turns the JSON of `EXPLAIN (FORMAT JSON)` into a one-line summary. */
export function summarisePlan(explainJson: unknown): PlanSummary | undefined {
  const root = (explainJson as Array<{ Plan?: PlanNode }> | undefined)?.[0]?.Plan;
  if (!root) return undefined;
  const scan = firstScan(root);
  const topNode = describe(root);
  const scanNode = scan ? describe(scan) : undefined;
  const rows = scan?.['Plan Rows'] ?? root['Plan Rows'] ?? 0;
  const summary = scanNode && scan !== root ? `${topNode} <- ${scanNode} (rows≈${rows})` : `${topNode} (rows≈${rows})`;
  return { topNode, scanNode, rows, summary };
}
