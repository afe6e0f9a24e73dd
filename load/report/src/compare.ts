/** Before/after: an earlier analysis (`--compare earlier.json`) against this one, per operation and overall. */
import type { PathologyName } from '@tracecart/lab-catalogue';
import { ANALYSIS_VERSION, type Analysis } from './analysis';
import type { RankedOperation } from './ranking';
import { keyOf } from './statement';
import type { Summary } from './stats';
import { round } from './stats';

export interface LatencyChange {
  before: Pick<Summary, 'count' | 'p50' | 'p95'> | null;
  after: Pick<Summary, 'count' | 'p50' | 'p95'> | null;
  /** after / before − 1, in percent; null when either side is missing. */
  p50ChangePct: number | null;
  p95ChangePct: number | null;
}

export interface OperationChange {
  service: string;
  operation: string;
  statement: string | undefined;
  label: string;
  before: Pick<RankedOperation, 'p50SharePct' | 'p95SharePct' | 'p50Ms' | 'p95Ms'> | null;
  after: Pick<RankedOperation, 'p50SharePct' | 'p95SharePct' | 'p50Ms' | 'p95Ms'> | null;
}

export interface Comparison {
  beforeGeneratedAt: string;
  checkoutLatencyMs: LatencyChange;
  checkoutToShippedMs: LatencyChange;
  criticalPath: OperationChange[];
  shippedPath: OperationChange[];
  pathologies: { before: PathologyName[]; after: PathologyName[] };
  culprit: { before: string | null; after: string | null };
}

function change(before: number | undefined, after: number | undefined): number | null {
  if (before === undefined || after === undefined || before === 0) return null;
  return round((100 * after) / before - 100);
}

function latencyChange(before: Summary | null, after: Summary | null): LatencyChange {
  const pick = (summary: Summary | null) => summary && { count: summary.count, p50: summary.p50, p95: summary.p95 };
  return {
    before: pick(before),
    after: pick(after),
    p50ChangePct: change(before?.p50, after?.p50),
    p95ChangePct: change(before?.p95, after?.p95),
  };
}

function figures(operation: RankedOperation | undefined): OperationChange['before'] {
  return operation
    ? { p50SharePct: operation.p50SharePct, p95SharePct: operation.p95SharePct, p50Ms: operation.p50Ms, p95Ms: operation.p95Ms }
    : null;
}

/** Operations of either side, those with the largest share on either side first. */
export function operationChanges(before: readonly RankedOperation[], after: readonly RankedOperation[], limit: number): OperationChange[] {
  const beforeByKey = new Map(before.map((operation) => [keyOf(operation), operation]));
  const afterByKey = new Map(after.map((operation) => [keyOf(operation), operation]));
  const keys = [...new Set([...beforeByKey.keys(), ...afterByKey.keys()])];
  const weight = (key: string) =>
    Math.max(
      beforeByKey.get(key)?.p50SharePct ?? 0,
      afterByKey.get(key)?.p50SharePct ?? 0,
      (beforeByKey.get(key)?.p95SharePct ?? 0) / 2,
      (afterByKey.get(key)?.p95SharePct ?? 0) / 2,
    );
  return keys
    .sort((a, b) => weight(b) - weight(a))
    .slice(0, limit)
    .map((key) => {
      const operation = (afterByKey.get(key) ?? beforeByKey.get(key))!;
      return {
        service: operation.service,
        operation: operation.operation,
        statement: operation.statement,
        label: operation.label,
        before: figures(beforeByKey.get(key)),
        after: figures(afterByKey.get(key)),
      };
    });
}

function culpritLine(analysis: Analysis): string | null {
  const culprit = analysis.culprit;
  if (!culprit) return null;
  return `${culprit.service} ${culprit.label}${culprit.pathology ? ` (${culprit.pathology.name})` : ''}`;
}

export function assertAnalysis(value: unknown, what: string): Analysis {
  const candidate = value as Partial<Analysis> | null;
  if (!candidate || typeof candidate !== 'object' || candidate.version !== ANALYSIS_VERSION || !Array.isArray(candidate.criticalPath)) {
    throw new Error(`${what} is not a report written by \`pnpm report --json\` (version ${ANALYSIS_VERSION})`);
  }
  return candidate as Analysis;
}

export function compareAnalyses(before: Analysis, after: Analysis, limit = 12): Comparison {
  return {
    beforeGeneratedAt: before.generatedAt,
    checkoutLatencyMs: latencyChange(before.checkoutLatencyMs, after.checkoutLatencyMs),
    checkoutToShippedMs: latencyChange(before.checkoutToShippedMs, after.checkoutToShippedMs),
    criticalPath: operationChanges(before.criticalPath, after.criticalPath, limit),
    shippedPath: operationChanges(before.shippedPath, after.shippedPath, Math.ceil(limit / 2)),
    pathologies: { before: before.pathologies, after: after.pathologies },
    culprit: { before: culpritLine(before), after: culpritLine(after) },
  };
}
