/**
 * Clock skew between services. A server span must lie within the client span that called it; when it
 * does not (the two hosts' clocks differ), the server span and its same-service descendants are shifted
 * to sit centred in the client span (as Jaeger's UI does). Queue hops are left alone: a consumer rightly
 * starts after its producer ended. Returns adjusted copies; the input is not changed.
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { buildTree, childrenOf, parentOf, type TraceTree } from './trace-tree';

function shift(span: FlatSpan, deltaMs: number): FlatSpan {
  return {
    ...span,
    startMs: span.startMs + deltaMs,
    endMs: span.endMs + deltaMs,
    events: span.events.map((event) => ({ ...event, timeMs: event.timeMs + deltaMs })),
  };
}

/** How far a server span must move to sit inside its client parent (0 when it already does). */
export function skewCorrection(client: FlatSpan, server: FlatSpan): number {
  if (server.startMs >= client.startMs && server.endMs <= client.endMs) return 0;
  const slack = client.durationMs - server.durationMs;
  return slack >= 0 ? client.startMs + slack / 2 - server.startMs : client.startMs - server.startMs;
}

export function adjustClockSkew(spans: readonly FlatSpan[]): FlatSpan[] {
  const tree: TraceTree = buildTree(spans);
  const delta = new Map<string, number>();
  const adjusted = new Map<string, FlatSpan>();
  // Top-down from every span without a parent in the trace, so a shifted parent is seen by its children.
  const roots = tree.spans.filter((span) => !parentOf(tree, span));
  const queue = [...roots];
  for (const root of roots) adjusted.set(root.spanId, root);
  while (queue.length > 0) {
    const span = queue.shift()!;
    const parent = adjusted.get(span.spanId)!;
    for (const child of childrenOf(tree, span)) {
      const inherited = child.service === span.service ? (delta.get(span.spanId) ?? 0) : 0;
      let moved = shift(child, inherited);
      let total = inherited;
      if (child.kind === SpanKind.SERVER && parent.kind === SpanKind.CLIENT && child.service !== parent.service) {
        const correction = skewCorrection(parent, moved);
        moved = shift(moved, correction);
        total += correction;
      }
      delta.set(child.spanId, total);
      adjusted.set(child.spanId, moved);
      queue.push(child);
    }
  }
  return spans.map((span) => adjusted.get(span.spanId) ?? span);
}
