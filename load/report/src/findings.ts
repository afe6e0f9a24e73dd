/**
 * From detector occurrences to findings: occurrences of one pattern at one place (signature, service,
 * enclosing span, span, statement) are grouped across traces, costed on the path they lengthen (the HTTP
 * critical path, or checkout-to-shipped for asynchronous work), matched to the pathology catalogue, and
 * judged significant or not.
 */
import { pathologies, type PathologyName, type Signature } from '@tracecart/lab-catalogue';
import type { AnalysedTrace } from './analysed-trace';
import { timeOnPath } from './critical-path';
import type { Occurrence } from './detectors/occurrence';
import { abbreviate, labelOf } from './statement';
import { percentile, round } from './stats';

export type PathName = 'http' | 'shipped';

export interface Finding {
  signature: Signature;
  service: string;
  /** The span the pattern is on (N+1: the parent of the staircase). */
  operation: string;
  statement: string | undefined;
  /** The span enclosing it. */
  parent: string | undefined;
  label: string;
  /** Which path it lengthens: the HTTP answer, or only checkout-to-shipped (asynchronous work). */
  path: PathName;
  /** The catalogued pathology this matches, or null for a pattern the catalogue does not describe. */
  pathology: PathologyName | null;
  occurrences: number;
  tracesAffected: number;
  /** Traces that have that path (all analysed traces for http, those with a shipment for shipped). */
  tracesOnPath: number;
  /** Its time on the path summed over the traces, divided by tracesOnPath: what it costs an average checkout. */
  meanCostMs: number;
  /** Per affected trace. */
  p50CostMs: number;
  p95CostMs: number;
  /** Its share of the path per trace (0 where absent), over tracesOnPath. */
  p50SharePct: number;
  p95SharePct: number;
  meanSharePct: number;
  /** Frequent and costly enough to be named (see SignificanceOptions). Findings are ordered significant first, then by meanSharePct. */
  significant: boolean;
  /** The evidence line of its costliest occurrence. */
  evidence: string;
  /** Up to three trace ids, costliest first: open them in Jaeger. */
  exampleTraceIds: string[];
}

export interface SignificanceOptions {
  /** At least this many traces show it... */
  minTraces: number;
  /** ...and at least this fraction of the traces on its path... */
  minTraceFraction: number;
  /** ...and it takes at least this share of the path on average... */
  minMeanSharePct: number;
  /**
   * ...or this share, for signatures that are facts of the code rather than of timing: an N+1 staircase
   * (the same statement five times or more, one after another) exists only where code queries per row,
   * and a loop block is the service's own measured event-loop delay. A row lock held across a remote call
   * costs its own trace nothing (its waiters pay), so it needs no share at all, only its frequency. A wait
   * on a lock, a pool or a sequential scan happens a little in any busy system, so those need the full
   * share to be named.
   */
  structuralMinMeanSharePct: Partial<Record<Signature, number>>;
}

export const significanceDefaults: SignificanceOptions = {
  minTraces: 2,
  minTraceFraction: 0.1,
  minMeanSharePct: 2,
  structuralMinMeanSharePct: { 'n-plus-one': 0.5, 'loop-block': 0.5, 'lock-held': 0 },
};

export function matchPathology(occurrence: Pick<Occurrence, 'signature' | 'service' | 'operation' | 'ancestry'>): PathologyName | null {
  const match = pathologies.find(
    (candidate) =>
      (candidate.signature === occurrence.signature || candidate.alsoShownBy === occurrence.signature) &&
      candidate.foundOn.service === occurrence.service &&
      (candidate.foundOn.scope === 'service' ||
        occurrence.operation === candidate.foundOn.span ||
        occurrence.ancestry.includes(candidate.foundOn.span)),
  );
  return match?.name ?? null;
}

/**
 * The statement for a pattern on a query span; for N+1, the one pattern found on another span (the parent
 * of its staircase), that span and the statement.
 */
function findingLabel(occurrence: Occurrence): string {
  if (!occurrence.statement || occurrence.signature !== 'n-plus-one') return labelOf(occurrence);
  return `${occurrence.operation}: ${abbreviate(occurrence.statement, 56)}`;
}

function pathOf(trace: AnalysedTrace, occurrence: Occurrence): PathName {
  return occurrence.spanIds.every((id) => trace.syncSpanIds.has(id)) ? 'http' : 'shipped';
}

function costOf(trace: AnalysedTrace, occurrence: Occurrence, path: PathName): { ms: number; totalMs: number } {
  const spanIds = new Set(occurrence.spanIds);
  if (path === 'http') return { ms: timeOnPath(trace.http.segments, spanIds, occurrence.window), totalMs: trace.http.totalMs };
  if (!trace.shipped) return { ms: 0, totalMs: 0 };
  return { ms: timeOnPath(trace.shipped.segments, spanIds, occurrence.window), totalMs: trace.shipped.totalMs };
}

export function buildFindings(
  traces: readonly AnalysedTrace[],
  occurrences: readonly Occurrence[],
  significance: SignificanceOptions = significanceDefaults,
): Finding[] {
  const byTraceId = new Map(traces.map((trace) => [trace.traceId, trace]));
  const groups = new Map<string, Array<{ occurrence: Occurrence; path: PathName; ms: number; totalMs: number }>>();
  for (const occurrence of occurrences) {
    const trace = byTraceId.get(occurrence.traceId);
    if (!trace) continue;
    const path = pathOf(trace, occurrence);
    const key = [
      occurrence.signature,
      occurrence.service,
      occurrence.ancestry[0] ?? '',
      occurrence.operation,
      occurrence.statement ?? '',
      path,
    ].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), { occurrence, path, ...costOf(trace, occurrence, path) }]);
  }
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    const first = group[0]!.occurrence;
    const path = group[0]!.path;
    const onPath = path === 'http' ? traces : traces.filter((trace) => trace.shipped);
    const costByTrace = new Map<string, { ms: number; totalMs: number }>();
    for (const { occurrence, ms, totalMs } of group) {
      const seen = costByTrace.get(occurrence.traceId);
      costByTrace.set(occurrence.traceId, { ms: (seen?.ms ?? 0) + ms, totalMs });
    }
    const shares = onPath.map((trace) => {
      const cost = costByTrace.get(trace.traceId);
      return cost && cost.totalMs > 0 ? (100 * cost.ms) / cost.totalMs : 0;
    });
    const costs = [...costByTrace.values()].map((cost) => cost.ms);
    const totalCost = costs.reduce((sum, ms) => sum + ms, 0);
    const meanSharePct = shares.length > 0 ? shares.reduce((sum, share) => sum + share, 0) / shares.length : 0;
    const costliest = [...group].sort((a, b) => b.ms - a.ms);
    const examples = [...new Set(costliest.map(({ occurrence }) => occurrence.traceId))].slice(0, 3);
    const tracesAffected = costByTrace.size;
    findings.push({
      signature: first.signature,
      service: first.service,
      operation: first.operation,
      statement: first.statement,
      parent: first.ancestry[0],
      label: findingLabel(first),
      path,
      pathology: matchPathology(first),
      occurrences: group.length,
      tracesAffected,
      tracesOnPath: onPath.length,
      meanCostMs: round(onPath.length > 0 ? totalCost / onPath.length : 0),
      p50CostMs: round(percentile(costs, 50) ?? 0),
      p95CostMs: round(percentile(costs, 95) ?? 0),
      p50SharePct: round(percentile(shares, 50) ?? 0),
      p95SharePct: round(percentile(shares, 95) ?? 0),
      meanSharePct: round(meanSharePct),
      significant:
        tracesAffected >= Math.max(significance.minTraces, significance.minTraceFraction * onPath.length) &&
        meanSharePct >= (significance.structuralMinMeanSharePct[first.signature] ?? significance.minMeanSharePct),
      evidence: costliest[0]!.occurrence.evidence,
      exampleTraceIds: examples,
    });
  }
  return findings.sort(
    (a, b) => Number(b.significant) - Number(a.significant) || b.meanSharePct - a.meanSharePct || b.meanCostMs - a.meanCostMs,
  );
}
