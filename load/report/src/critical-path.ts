/**
 * Critical path of the synchronous part of a trace. From a span, the child that ends last is on the path;
 * before that child started, the child that ends last before then; and so on. Time on the path not covered
 * by a child is the span's self time. Children are clipped to their parent's interval; queue hops
 * (producer and consumer spans and everything below them) are not part of the caller's synchronous work
 * and are left out. The segments of a walk cover the walked interval exactly once.
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import { operationOf } from './statement';
import { childrenOf, isAsyncSpan, type TraceTree } from './trace-tree';

export interface PathSegment {
  spanId: string;
  service: string;
  operation: string;
  statement: string | undefined;
  startMs: number;
  endMs: number;
}

export interface Interval {
  startMs: number;
  endMs: number;
}

function selfSegment(span: FlatSpan, startMs: number, endMs: number): PathSegment {
  return { spanId: span.spanId, ...operationOf(span), startMs, endMs };
}

interface ClippedChild {
  span: FlatSpan;
  startMs: number;
  endMs: number;
}

function syncChildrenWithin(tree: TraceTree, span: FlatSpan, window: Interval): ClippedChild[] {
  return childrenOf(tree, span)
    .filter((child) => !isAsyncSpan(child))
    .map((child) => ({ span: child, startMs: Math.max(child.startMs, window.startMs), endMs: Math.min(child.endMs, window.endMs) }))
    .filter((child) => child.endMs > child.startMs);
}

function walk(tree: TraceTree, span: FlatSpan, window: Interval, segments: PathSegment[], depth: number): void {
  if (depth > 200) throw new Error(`trace ${tree.traceId}: span tree deeper than 200 (a parent cycle?)`);
  const candidates = syncChildrenWithin(tree, span, window);
  let cursor = window.endMs;
  for (;;) {
    let best: ClippedChild | undefined;
    let bestEnd = -Infinity;
    for (const child of candidates) {
      if (child.startMs >= cursor) continue;
      const end = Math.min(child.endMs, cursor);
      if (end > bestEnd || (end === bestEnd && best && child.startMs < best.startMs)) {
        best = child;
        bestEnd = end;
      }
    }
    if (!best) break;
    if (bestEnd < cursor) segments.push(selfSegment(span, bestEnd, cursor));
    walk(tree, best.span, { startMs: best.startMs, endMs: bestEnd }, segments, depth + 1);
    cursor = best.startMs;
    candidates.splice(candidates.indexOf(best), 1);
  }
  if (cursor > window.startMs) segments.push(selfSegment(span, window.startMs, cursor));
}

/** The critical path of `span`'s synchronous subtree within `window` (default: the span itself), in time order. */
export function criticalPath(tree: TraceTree, span: FlatSpan, window: Interval = span): PathSegment[] {
  const segments: PathSegment[] = [];
  const clipped = { startMs: Math.max(window.startMs, span.startMs), endMs: Math.min(window.endMs, span.endMs) };
  if (clipped.endMs > clipped.startMs) walk(tree, span, clipped, segments, 0);
  return segments.sort((a, b) => a.startMs - b.startMs);
}

/** The spans of `span`'s synchronous subtree (the span included): what a walk from it can reach. */
export function syncSubtree(tree: TraceTree, span: FlatSpan): Set<string> {
  const reached = new Set<string>([span.spanId]);
  const stack = [span];
  while (stack.length > 0) {
    for (const child of childrenOf(tree, stack.pop()!)) {
      if (isAsyncSpan(child) || reached.has(child.spanId)) continue;
      reached.add(child.spanId);
      stack.push(child);
    }
  }
  return reached;
}

export function totalOf(segments: readonly PathSegment[]): number {
  return segments.reduce((sum, segment) => sum + (segment.endMs - segment.startMs), 0);
}

/** Time on the path spent in the given spans, within the given interval. */
export function timeOnPath(segments: readonly PathSegment[], spanIds: ReadonlySet<string>, window: Interval): number {
  let total = 0;
  for (const segment of segments) {
    if (!spanIds.has(segment.spanId)) continue;
    const overlap = Math.min(segment.endMs, window.endMs) - Math.max(segment.startMs, window.startMs);
    if (overlap > 0) total += overlap;
  }
  return total;
}
