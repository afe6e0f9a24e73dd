/**
 * Ranks (service, operation) by their share of a path across traces: per trace, the operation's time on
 * the path divided by the path's length (0 when it is not on the path), then p50 and p95 over traces.
 */
import type { PathSegment } from './critical-path';
import { keyOf, labelOf, type OperationKey } from './statement';
import { percentile, round } from './stats';

export interface PathSample {
  totalMs: number;
  segments: readonly PathSegment[];
}

export interface RankedOperation extends OperationKey {
  /** The statement (shortened) for queries, else the operation. */
  label: string;
  /** In how many traces the operation is on the path at all. */
  traces: number;
  p50SharePct: number;
  p95SharePct: number;
  meanSharePct: number;
  /** Its time on the path, over all traces (0 where absent). */
  p50Ms: number;
  p95Ms: number;
}

export function timeByOperation(segments: readonly PathSegment[]): Map<string, { operation: OperationKey; ms: number }> {
  const byOperation = new Map<string, { operation: OperationKey; ms: number }>();
  for (const segment of segments) {
    const operation = { service: segment.service, operation: segment.operation, statement: segment.statement };
    const key = keyOf(operation);
    const entry = byOperation.get(key) ?? { operation, ms: 0 };
    entry.ms += segment.endMs - segment.startMs;
    byOperation.set(key, entry);
  }
  return byOperation;
}

export function rankOperations(samples: readonly PathSample[]): RankedOperation[] {
  const perTrace = samples.map((sample) => ({ totalMs: sample.totalMs, times: timeByOperation(sample.segments) }));
  const operations = new Map<string, OperationKey>();
  for (const { times } of perTrace) for (const [key, { operation }] of times) operations.set(key, operation);
  const ranked: RankedOperation[] = [];
  for (const [key, operation] of operations) {
    const ms = perTrace.map(({ times }) => times.get(key)?.ms ?? 0);
    const shares = perTrace.map(({ totalMs, times }) => (totalMs > 0 ? (100 * (times.get(key)?.ms ?? 0)) / totalMs : 0));
    ranked.push({
      ...operation,
      label: labelOf(operation),
      traces: perTrace.filter(({ times }) => times.has(key)).length,
      p50SharePct: round(percentile(shares, 50)!),
      p95SharePct: round(percentile(shares, 95)!),
      meanSharePct: round(shares.reduce((sum, share) => sum + share, 0) / shares.length),
      p50Ms: round(percentile(ms, 50)!),
      p95Ms: round(percentile(ms, 95)!),
    });
  }
  return ranked.sort((a, b) => b.p50SharePct - a.p50SharePct || b.p95SharePct - a.p95SharePct || b.meanSharePct - a.meanSharePct);
}
