/**
 * Slow-query plans on db spans. A SELECT span slower than the threshold gets a `db.query.plan` event
 * summarising its EXPLAIN (top plan node, first scan node, row estimate), e.g. "Seq Scan on payments".
 *
 * EXPLAIN without ANALYZE plans a statement and never runs it, and only SELECTs are explained, so no
 * write is ever repeated. The plan is computed after the slow query (off the request's trace) and cached
 * per statement text for a few seconds; slow spans of that statement carry it from then on. Parameter
 * values reach the explainer only; they are never written to a span.
 */
import { ROOT_CONTEXT, context, type Span } from '@opentelemetry/api';
import { hrTime, hrTimeDuration, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

export interface PlanSummary {
  topNode: string;
  scanNode: string | undefined;
  rows: number;
  summary: string;
}

export type Explainer = (text: string, values: readonly unknown[]) => Promise<PlanSummary | undefined>;

interface ExplainSettings {
  explainer: Explainer;
  thresholdMs: number;
  cacheMs: number;
}

interface PendingQuery {
  text: string;
  values: readonly unknown[];
}

let settings: ExplainSettings | undefined;
const pendingBySpan = new WeakMap<Span, PendingQuery>();
const plans = new Map<string, { plan: PlanSummary; at: number }>();
const explaining = new Set<string>();

/** Registers the function that runs EXPLAIN; thresholdMs 0 switches slow-query plans off. */
export function setSlowQueryExplainer(explainer: Explainer | undefined, thresholdMs = 50, cacheMs = 5_000): void {
  settings = explainer && thresholdMs > 0 ? { explainer, thresholdMs, cacheMs } : undefined;
  plans.clear();
}

/** Forgets cached plans, e.g. after an index was created or dropped. */
export function forgetQueryPlans(): void {
  plans.clear();
}

const selectStatement = /^\s*(with\b[\s\S]*?\)\s*)?select\b/i;

export function pgRequestHook(span: Span, info: { query: { text: string; values?: unknown[] } }): void {
  if (!settings || !selectStatement.test(info.query.text)) return;
  pendingBySpan.set(span, { text: info.query.text, values: info.query.values ?? [] });
}

export function pgResponseHook(span: Span): void {
  const query = pendingBySpan.get(span);
  if (!query || !settings) return;
  pendingBySpan.delete(span);
  const startTime = (span as unknown as ReadableSpan).startTime;
  if (!startTime || hrTimeToMilliseconds(hrTimeDuration(startTime, hrTime())) < settings.thresholdMs) return;
  const cached = plans.get(query.text);
  if (cached && Date.now() - cached.at < settings.cacheMs) {
    span.addEvent('db.query.plan', {
      'db.query.plan.summary': cached.plan.summary,
      'db.query.plan.top_node': cached.plan.topNode,
      'db.query.plan.scan_node': cached.plan.scanNode ?? '',
      'db.query.plan.rows': cached.plan.rows,
    });
    return;
  }
  if (explaining.has(query.text)) return;
  explaining.add(query.text);
  const { explainer } = settings;
  void context
    .with(ROOT_CONTEXT, () => explainer(query.text, query.values))
    .then((plan) => {
      if (plan) plans.set(query.text, { plan, at: Date.now() });
    })
    .catch(() => undefined)
    .finally(() => explaining.delete(query.text));
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
