/**
 * Row locks held across a call to another process: a `SELECT ... FOR UPDATE` (or FOR SHARE) whose
 * transaction stays open while the same unit of work calls out over HTTP (a third party, another
 * service), the call ending before the transaction's COMMIT/ROLLBACK. Whoever needs that row meanwhile
 * waits the whole call out. A fact of the code, seen in one trace: it shows even when nobody happened to
 * wait (the lock-wait detector measures the waits when they happen). So it costs nothing on its own
 * trace's path (its window is empty): the holder loses no time by holding, its waiters do.
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { isDbSpan, isDriverSpan, isLockingSelect, isTransactionEnd, operationNameOf, statementOf } from '../statement';
import { round } from '../stats';
import { descendantsOf, parentOf } from '../trace-tree';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface LockHoldOptions {
  /** Calls shorter than this inside the lock are not reported (a lock held across a 1 ms call hurts nobody). */
  minCallMs: number;
}

const SLACK_MS = 1;

export const lockHoldDefaults: LockHoldOptions = { minCallMs: 5 };

/** An HTTP (or other RPC) call to another process: a client span that is not a query or a pool wait. */
function isRemoteCall(span: FlatSpan): boolean {
  return span.kind === SpanKind.CLIENT && !isDbSpan(span) && !isDriverSpan(span);
}

export function detectLockHolds(traces: readonly AnalysedTrace[], options: LockHoldOptions = lockHoldDefaults): Occurrence[] {
  const found: Occurrence[] = [];
  for (const trace of traces) {
    for (const lock of trace.tree.spans) {
      const statement = statementOf(lock);
      if (!statement || !isDbSpan(lock) || !isLockingSelect(statement)) continue;
      const unit = parentOf(trace.tree, lock);
      if (!unit) continue;
      // What starts once the lock is granted (the next step may be stamped a fraction of a ms before the
      // lock's span ends: its end is recorded after the driver has handed the result on).
      const within = descendantsOf(trace.tree, unit).filter(
        (span) => span !== lock && span.service === lock.service && span.startMs >= lock.endMs - SLACK_MS,
      );
      // The first transaction end after the lock, in the same unit of work, releases it.
      const end = within.filter((span) => isTransactionEnd(statementOf(span) ?? '')).sort((a, b) => a.startMs - b.startMs)[0];
      if (!end) continue;
      const calls = within.filter((span) => isRemoteCall(span) && span.endMs <= end.startMs && span.durationMs >= options.minCallMs);
      if (calls.length === 0) continue;
      const longest = [...calls].sort((a, b) => b.durationMs - a.durationMs)[0]!;
      const heldMs = end.endMs - lock.endMs;
      const callMs = calls.reduce((sum, call) => sum + call.durationMs, 0);
      found.push(
        occurrenceOn(trace, lock, {
          signature: 'lock-held',
          evidence:
            `row lock taken by this statement held ${round(heldMs)} ms, until ${statementOf(end)}, ` +
            `${round(callMs)} ms of it waiting on ${calls.length === 1 ? '' : `${calls.length} calls, the longest `}${operationNameOf(longest)}; anyone needing the row meanwhile waits`,
          measure: heldMs,
          window: { startMs: lock.endMs, endMs: lock.endMs },
        }),
      );
    }
  }
  return found;
}
