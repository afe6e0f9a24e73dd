/**
 * Event-loop blocks: synchronous work in a Node service holds its one event loop, so nothing else in that
 * process runs meanwhile. From the outside it shows as
 *  - a self-time gap: a stretch of at least `minGapMs` of a span (not a query, not a call to another
 *    process, not a pool wait) that none of its children covers,
 *  - correlated across concurrent traces: spans of the same service in other traces that were running
 *    across the gap end together within `heldMs` after it (they were ready, but the loop was not),
 *  - and the service's own report of its event loop's delay (`nodejs.eventloop.delay.max_ms` on its
 *    server span) at least `loopDelayShare` of the gap.
 * When no other trace was in the service during the gap (something upstream lets one request through at
 * a time), nothing can be held, and the service's own report must cover `soloDelayShare` of the gap: the
 * loop was late by about the gap itself, so the gap was synchronous work, not waiting.
 * Its cost is the gap in its own trace, and in each held trace the part of the gap its held span was
 * waiting through (counted under the blocking span's name: the blocker is the culprit, not its victims).
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { isDbSpan, isDriverSpan } from '../statement';
import { round } from '../stats';
import { ancestorsOf, childrenOf, type TraceTree } from '../trace-tree';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface LoopBlockOptions {
  minGapMs: number;
  heldMs: number;
  loopDelayShare: number;
  soloDelayShare: number;
}

export const loopBlockDefaults: LoopBlockOptions = { minGapMs: 20, heldMs: 15, loopDelayShare: 0.5, soloDelayShare: 0.8 };

export const LOOP_DELAY_ATTRIBUTE = 'nodejs.eventloop.delay.max_ms';

/** Spans whose own time is work of their process (not a query, a remote call, a pool wait or a queue hop). */
function isOwnWork(span: FlatSpan): boolean {
  return (span.kind === SpanKind.INTERNAL || span.kind === SpanKind.SERVER) && !isDbSpan(span) && !isDriverSpan(span);
}

/** The longest stretch of `span` that none of its children covers. */
export function longestGap(tree: TraceTree, span: FlatSpan): { startMs: number; endMs: number } {
  const children = childrenOf(tree, span)
    .map((child) => ({ startMs: Math.max(child.startMs, span.startMs), endMs: Math.min(child.endMs, span.endMs) }))
    .filter((child) => child.endMs > child.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  let best = { startMs: span.startMs, endMs: span.startMs };
  let reach = span.startMs;
  for (const child of [...children, { startMs: span.endMs, endMs: span.endMs }]) {
    if (child.startMs - reach > best.endMs - best.startMs) best = { startMs: reach, endMs: child.startMs };
    reach = Math.max(reach, child.endMs);
  }
  return best;
}

/** The loop delay the service reported on the server span above `span` (or on `span` itself). */
export function reportedLoopDelayMs(tree: TraceTree, span: FlatSpan): number | undefined {
  for (const candidate of [span, ...ancestorsOf(tree, span)]) {
    if (candidate.service !== span.service) break;
    const value = candidate.attributes[LOOP_DELAY_ATTRIBUTE];
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value !== '') return Number(value);
  }
  return undefined;
}

interface ServiceSpan {
  traceId: string;
  span: FlatSpan;
}

/**
 * One event loop per process: spans are correlated within a replica (`service.instance.id`), not across
 * the replicas of a service, whose loops block independently. Spans without an instance (older traces,
 * recorded fixtures) fall back to their service.
 */
export function processKey(span: FlatSpan): string {
  return span.instance === undefined ? span.service : `${span.service}\u0000${span.instance}`;
}

export function detectLoopBlocks(traces: readonly AnalysedTrace[], options: LoopBlockOptions = loopBlockDefaults): Occurrence[] {
  const byProcess = new Map<string, ServiceSpan[]>();
  for (const trace of traces) {
    for (const span of trace.tree.spans)
      byProcess.set(processKey(span), [...(byProcess.get(processKey(span)) ?? []), { traceId: trace.traceId, span }]);
  }
  const found: Occurrence[] = [];
  for (const trace of traces) {
    for (const span of trace.tree.spans.filter(isOwnWork)) {
      const gap = longestGap(trace.tree, span);
      const gapMs = gap.endMs - gap.startMs;
      if (gapMs < options.minGapMs) continue;
      const delayMs = reportedLoopDelayMs(trace.tree, span);
      if (delayMs === undefined || delayMs < options.loopDelayShare * gapMs) continue;
      const others = (byProcess.get(processKey(span)) ?? []).filter(
        ({ traceId, span: other }) => traceId !== trace.traceId && other.startMs < gap.endMs && other.endMs > gap.startMs,
      );
      const held = others.filter(
        ({ span: other }) => other.startMs <= gap.startMs + 1 && other.endMs >= gap.endMs && other.endMs - gap.endMs <= options.heldMs,
      );
      const heldTraces = new Set(held.map(({ traceId }) => traceId)).size;
      const concurrentTraces = new Set(others.map(({ traceId }) => traceId)).size;
      // Correlated: spans of concurrent traces were held until the gap ended. A span that merely waits
      // (a timer, an uninstrumented call) has a gap too, but nothing else waits on it. Alone in the
      // service, the loop's own delay has to account for the gap.
      const alone = concurrentTraces === 0 && delayMs >= options.soloDelayShare * gapMs;
      if (heldTraces === 0 && !alone) continue;
      const blocker = occurrenceOn(trace, span, {
        signature: 'loop-block',
        statement: undefined,
        evidence:
          `${round(gapMs)} ms of ${span.name} with no child span; ${span.service} reported an event loop delay of up to ${round(delayMs)} ms; ` +
          (heldTraces > 0
            ? `${held.length} span(s) of ${heldTraces} other trace(s) (of ${concurrentTraces} running) ended within ${options.heldMs} ms after it`
            : `no other trace was in ${span.service} meanwhile, so none was held: the delay is the gap itself`),
        measure: gapMs,
        window: gap,
      });
      found.push(blocker);
      const byTraceId = new Map(traces.map((candidate) => [candidate.traceId, candidate]));
      for (const { traceId, span: victim } of held) {
        const victimTrace = byTraceId.get(traceId)!;
        const window = { startMs: Math.max(gap.startMs, victim.startMs), endMs: Math.min(gap.endMs, victim.endMs) };
        found.push({
          ...occurrenceOn(victimTrace, victim, {
            signature: 'loop-block',
            operation: span.name,
            statement: undefined,
            evidence: `${victim.name} held ${round(window.endMs - window.startMs)} ms while ${span.name} of trace ${trace.traceId.slice(0, 8)}… blocked the loop`,
            measure: window.endMs - window.startMs,
            window,
          }),
          ancestry: blocker.ancestry,
        });
      }
    }
  }
  return found;
}
