/**
 * One trace as a tree: spans by id and children by parent id. Spans whose parent is not in the trace
 * (lost, or still on their way to Jaeger) are orphans: they keep their place in the span list, but no
 * walk from the root reaches them.
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { isInstrumentationStatement, statementOf } from './statement';

export interface TraceTree {
  traceId: string;
  spans: FlatSpan[];
  byId: Map<string, FlatSpan>;
  children: Map<string, FlatSpan[]>;
}

/** Whether the analysis should see the span at all (the instrumentation's own EXPLAINs are left out). */
function isRequestWork(span: FlatSpan): boolean {
  const statement = statementOf(span);
  return statement === undefined || !isInstrumentationStatement(statement);
}

export function buildTree(spans: readonly FlatSpan[]): TraceTree {
  const kept = spans.filter(isRequestWork);
  const byId = new Map(kept.map((span) => [span.spanId, span]));
  const children = new Map<string, FlatSpan[]>();
  for (const span of kept) {
    if (!span.parentSpanId || !byId.has(span.parentSpanId)) continue;
    const siblings = children.get(span.parentSpanId) ?? [];
    siblings.push(span);
    children.set(span.parentSpanId, siblings);
  }
  for (const siblings of children.values()) siblings.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  return { traceId: kept[0]?.traceId ?? spans[0]?.traceId ?? '', spans: kept, byId, children };
}

export function childrenOf(tree: TraceTree, span: FlatSpan): FlatSpan[] {
  return tree.children.get(span.spanId) ?? [];
}

export function parentOf(tree: TraceTree, span: FlatSpan): FlatSpan | undefined {
  return span.parentSpanId ? tree.byId.get(span.parentSpanId) : undefined;
}

/** The spans above `span`, nearest first. */
export function ancestorsOf(tree: TraceTree, span: FlatSpan): FlatSpan[] {
  const chain: FlatSpan[] = [];
  const seen = new Set<string>([span.spanId]);
  let current = parentOf(tree, span);
  while (current && !seen.has(current.spanId)) {
    chain.push(current);
    seen.add(current.spanId);
    current = parentOf(tree, current);
  }
  return chain;
}

/** Spans that start asynchronous work (queue hops): a producer's and consumer's time is not the caller's. */
export function isAsyncSpan(span: FlatSpan): boolean {
  return span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER;
}

export interface RootSelector {
  service: string;
  operation: string;
}

export const checkoutRoot: RootSelector = { service: 'order-service', operation: 'POST /checkout' };

/**
 * The checkout's server span: the selected operation's SERVER span whose parent is not in the trace (it
 * may have a remote parent, a caller's traceparent). Undefined when it has not reached Jaeger.
 */
export function findRoot(tree: TraceTree, selector: RootSelector = checkoutRoot): FlatSpan | undefined {
  const candidates = tree.spans.filter(
    (span) => span.service === selector.service && span.name === selector.operation && span.kind === SpanKind.SERVER,
  );
  return candidates.find((span) => !parentOf(tree, span)) ?? candidates[0];
}

/** Every span below `span` (not `span` itself). */
export function descendantsOf(tree: TraceTree, span: FlatSpan): FlatSpan[] {
  const found: FlatSpan[] = [];
  const stack = [...childrenOf(tree, span)];
  while (stack.length > 0) {
    const next = stack.pop()!;
    found.push(next);
    stack.push(...childrenOf(tree, next));
  }
  return found;
}
