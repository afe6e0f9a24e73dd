/**
 * Pool waits: a `pg-pool.connect` span whose own time (minus opening a new connection, the `pg.connect`
 * child) is at least `minWaitMs` and longer than the query that follows it: the request queued for a
 * pooled connection.
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { isPoolConnectSpan, isQuerySpan } from '../statement';
import { round } from '../stats';
import { childrenOf, type TraceTree } from '../trace-tree';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface PoolWaitOptions {
  minWaitMs: number;
}

export const poolWaitDefaults: PoolWaitOptions = { minWaitMs: 10 };

/** Time covered by at least one of the intervals, clipped to [startMs, endMs]. */
export function coveredTime(intervals: ReadonlyArray<{ startMs: number; endMs: number }>, startMs: number, endMs: number): number {
  const clipped = intervals
    .map((interval) => ({ startMs: Math.max(interval.startMs, startMs), endMs: Math.min(interval.endMs, endMs) }))
    .filter((interval) => interval.endMs > interval.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  let covered = 0;
  let reach = startMs;
  for (const interval of clipped) {
    if (interval.endMs <= reach) continue;
    covered += interval.endMs - Math.max(interval.startMs, reach);
    reach = interval.endMs;
  }
  return covered;
}

/** The connect span's own time: not spent opening a connection (or in any other child). */
export function connectWaitMs(tree: TraceTree, connect: FlatSpan): number {
  return connect.durationMs - coveredTime(childrenOf(tree, connect), connect.startMs, connect.endMs);
}

/** The first query of the same service, beside or below the connect span, that starts once the connection is there. */
export function queryAfter(tree: TraceTree, connect: FlatSpan): FlatSpan | undefined {
  return tree.spans
    .filter(
      (span) =>
        isQuerySpan(span) &&
        span.service === connect.service &&
        (span.parentSpanId === connect.parentSpanId || span.parentSpanId === connect.spanId) &&
        span.startMs >= connect.endMs - 1,
    )
    .sort((a, b) => a.startMs - b.startMs)[0];
}

export function detectPoolWaits(traces: readonly AnalysedTrace[], options: PoolWaitOptions = poolWaitDefaults): Occurrence[] {
  const found: Occurrence[] = [];
  for (const trace of traces) {
    for (const connect of trace.tree.spans.filter(isPoolConnectSpan)) {
      const waitMs = connectWaitMs(trace.tree, connect);
      if (waitMs < options.minWaitMs) continue;
      const query = queryAfter(trace.tree, connect);
      if (query && waitMs <= query.durationMs) continue;
      const then = query ? `, then its query took ${round(query.durationMs)} ms` : '';
      found.push(
        occurrenceOn(trace, connect, {
          signature: 'pool-wait',
          statement: undefined,
          evidence: `waited ${round(waitMs)} ms for a pooled connection${then}`,
          measure: waitMs,
          window: { startMs: connect.startMs, endMs: connect.startMs + waitMs },
        }),
      );
    }
  }
  return found;
}
