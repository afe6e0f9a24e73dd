/**
 * Lock waits: a `SELECT ... FOR UPDATE` (or FOR SHARE) span that
 *  - lasts at least `minWaitMs` longer than the fast executions of the same statement (its p10 across the
 *    window: what the query costs when nobody holds the row),
 *  - is at least `peerFactor` times longer than the median of the other queries beside it in its own
 *    trace (so a machine that is slow everywhere does not count), and
 *  - is released by another trace: it ends within `handoffMs` of the end of a COMMIT/ROLLBACK of another
 *    trace that ran the same statement before it, in the same service. That is a row lock handed over.
 * Its cost is the wait: the span's time beyond the statement's p10.
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { isLockingSelect, isQuerySpan, isTransactionEnd, statementOf } from '../statement';
import { percentile, round } from '../stats';
import { childrenOf } from '../trace-tree';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface LockWaitOptions {
  minWaitMs: number;
  peerFactor: number;
  handoffMs: number;
}

export const lockWaitDefaults: LockWaitOptions = { minWaitMs: 10, peerFactor: 3, handoffMs: 5 };

interface Execution {
  trace: AnalysedTrace;
  span: FlatSpan;
}

function lockingExecutions(traces: readonly AnalysedTrace[]): Map<string, Execution[]> {
  const groups = new Map<string, Execution[]>();
  for (const trace of traces) {
    for (const span of trace.tree.spans) {
      const statement = isQuerySpan(span) ? statementOf(span)! : undefined;
      if (!statement || !isLockingSelect(statement)) continue;
      const key = `${span.service}\u0000${statement}`;
      groups.set(key, [...(groups.get(key) ?? []), { trace, span }]);
    }
  }
  return groups;
}

/** Median duration of the other queries under the same parent, in the same trace. */
export function peerMedianMs(trace: AnalysedTrace, span: FlatSpan): number | undefined {
  const parent = span.parentSpanId ? trace.tree.byId.get(span.parentSpanId) : undefined;
  if (!parent) return undefined;
  const peers = childrenOf(trace.tree, parent).filter((peer) => peer !== span && isQuerySpan(peer));
  return percentile(
    peers.map((peer) => peer.durationMs),
    50,
  );
}

/** The other execution whose transaction end released `waiter`, if any. */
export function releasedBy(
  waiter: Execution,
  group: readonly Execution[],
  handoffMs: number,
): { traceId: string; gapMs: number } | undefined {
  let best: { traceId: string; gapMs: number } | undefined;
  for (const holder of group) {
    if (holder.trace === waiter.trace || holder.span.endMs > waiter.span.endMs || holder.span.startMs >= waiter.span.endMs) continue;
    for (const end of holder.trace.tree.spans) {
      const statement = statementOf(end);
      if (end.service !== waiter.span.service || !statement || !isTransactionEnd(statement) || end.startMs < holder.span.endMs - 1)
        continue;
      const gapMs = Math.abs(end.endMs - waiter.span.endMs);
      if (gapMs <= handoffMs && (!best || gapMs < best.gapMs)) best = { traceId: holder.trace.traceId, gapMs };
    }
  }
  return best;
}

export function detectLockWaits(traces: readonly AnalysedTrace[], options: LockWaitOptions = lockWaitDefaults): Occurrence[] {
  const found: Occurrence[] = [];
  for (const group of lockingExecutions(traces).values()) {
    const baselineMs = percentile(
      group.map(({ span }) => span.durationMs),
      10,
    )!;
    for (const execution of group) {
      const { trace, span } = execution;
      const waitMs = span.durationMs - baselineMs;
      if (waitMs < options.minWaitMs) continue;
      const peers = peerMedianMs(trace, span);
      if (peers !== undefined && span.durationMs < options.peerFactor * peers) continue;
      const holder = releasedBy(execution, group, options.handoffMs);
      if (!holder) continue;
      const waiting = group.filter(
        (other) => other.trace !== trace && other.span.startMs < span.endMs && other.span.endMs > span.startMs,
      ).length;
      found.push(
        occurrenceOn(trace, span, {
          signature: 'lock-wait',
          evidence:
            `${round(span.durationMs)} ms where the statement takes ${round(baselineMs)} ms unblocked; ` +
            `released ${round(holder.gapMs)} ms after trace ${holder.traceId.slice(0, 8)}… committed; ${waiting} other trace(s) on the same statement meanwhile`,
          measure: waitMs,
          window: { startMs: span.startMs, endMs: span.startMs + waitMs },
        }),
      );
    }
  }
  return found;
}
