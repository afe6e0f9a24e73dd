/**
 * Checkout-to-shipped: from the start of the checkout's HTTP request to the end of order's consumer span
 * for `shipment.created` (the order is SHIPPED then). Its path: the HTTP critical path, the wait for
 * `order.paid` (outbox relay and broker), shipping's consumer span (its own critical path), the wait for
 * `shipment.created`, and order's consumer span. Each part starts where the previous one ended, so the
 * segments add up to the checkout-to-shipped time.
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { criticalPath, type PathSegment } from './critical-path';
import { ancestorsOf, type TraceTree } from './trace-tree';

export interface ShippedPath {
  totalMs: number;
  segments: PathSegment[];
  /** order-service's consumer span for shipment.created. */
  shippedSpan: FlatSpan;
  /** shipping-service's consumer span for order.paid; undefined when it is missing from the trace. */
  shippingSpan: FlatSpan | undefined;
}

export const SHIPPED_EVENT = 'shipment.created';

function routingKeyOf(span: FlatSpan): string | undefined {
  const key = span.attributes['messaging.rabbitmq.routing_key'] ?? span.attributes['messaging.rabbitmq.destination.routing_key'];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/**
 * order's consumer span that applied shipment.created (by its routing key, or, without one, a consumer
 * span of the root's service below another service): the first to end, when the event came twice.
 */
export function findShippedSpan(tree: TraceTree, root: FlatSpan): FlatSpan | undefined {
  const candidates = tree.spans.filter((span) => {
    if (span.service !== root.service || span.kind !== SpanKind.CONSUMER) return false;
    const key = routingKeyOf(span);
    return key ? key === SHIPPED_EVENT : ancestorsOf(tree, span).some((above) => above.service !== root.service);
  });
  return candidates.sort((a, b) => a.endMs - b.endMs)[0];
}

function queueSegment(from: string, to: FlatSpan, startMs: number, endMs: number): PathSegment {
  return {
    spanId: `queue:${to.spanId}`,
    service: `${from} → ${to.service}`,
    operation: `queue: ${routingKeyOf(to) ?? to.name} (outbox relay, broker, consumer backlog)`,
    statement: undefined,
    startMs,
    endMs,
  };
}

export function shippedPath(tree: TraceTree, root: FlatSpan, httpSegments: readonly PathSegment[]): ShippedPath | undefined {
  const shippedSpan = findShippedSpan(tree, root);
  if (!shippedSpan) return undefined;
  const shippingSpan = ancestorsOf(tree, shippedSpan).find((span) => span.kind === SpanKind.CONSUMER && span.service !== root.service);
  const segments: PathSegment[] = [...httpSegments];
  let cursor = root.endMs;
  const hopTo = (from: string, span: FlatSpan) => {
    if (span.startMs > cursor) segments.push(queueSegment(from, span, cursor, span.startMs));
    cursor = Math.max(cursor, span.startMs);
    segments.push(...criticalPath(tree, span, { startMs: cursor, endMs: span.endMs }));
    cursor = Math.max(cursor, span.endMs);
  };
  if (shippingSpan) {
    hopTo(root.service, shippingSpan);
    hopTo(shippingSpan.service, shippedSpan);
  } else {
    hopTo(root.service, shippedSpan);
  }
  return { totalMs: cursor - root.startMs, segments, shippedSpan, shippingSpan };
}
