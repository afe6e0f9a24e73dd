/** One checkout trace, ready for ranking and pattern detection: its tree, root, and both paths. */
import type { FlatSpan } from '@tracecart/jaeger-client';
import { adjustClockSkew } from './clock-skew';
import { criticalPath, syncSubtree, totalOf, type PathSegment } from './critical-path';
import { shippedPath, type ShippedPath } from './shipped-path';
import { buildTree, checkoutRoot, findRoot, type RootSelector, type TraceTree } from './trace-tree';

export interface AnalysedTrace {
  traceId: string;
  tree: TraceTree;
  root: FlatSpan;
  /** The root span's duration: the checkout's latency as the service measured it. */
  latencyMs: number;
  httpStatus: number | undefined;
  /** The HTTP critical path: segments cover the root span exactly. */
  http: { totalMs: number; segments: PathSegment[] };
  /** Spans of the root's synchronous subtree: a pattern found on one of them costs HTTP time. */
  syncSpanIds: Set<string>;
  /** Checkout-to-shipped; undefined when the trace has no shipment.created consumer span (declined, failed, incomplete). */
  shipped: ShippedPath | undefined;
}

export interface SkippedTrace {
  traceId: string;
  reason: string;
}

function statusOf(root: FlatSpan): number | undefined {
  const value = root.attributes['http.response.status_code'] ?? root.attributes['http.status_code'];
  return typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : undefined;
}

export function analyseTrace(spans: readonly FlatSpan[], selector: RootSelector = checkoutRoot): AnalysedTrace | SkippedTrace {
  const traceId = spans[0]?.traceId ?? '';
  const tree = buildTree(adjustClockSkew(spans));
  const root = findRoot(tree, selector);
  if (!root) return { traceId, reason: `no ${selector.service} "${selector.operation}" server span (not in Jaeger yet, or lost)` };
  if (root.durationMs <= 0) return { traceId, reason: 'root span has no duration' };
  const segments = criticalPath(tree, root);
  return {
    traceId,
    tree,
    root,
    latencyMs: root.durationMs,
    httpStatus: statusOf(root),
    http: { totalMs: totalOf(segments), segments },
    syncSpanIds: syncSubtree(tree, root),
    shipped: shippedPath(tree, root, segments),
  };
}

export function isSkipped(result: AnalysedTrace | SkippedTrace): result is SkippedTrace {
  return 'reason' in result;
}
