/**
 * Trace context at the public edges (TRACE_EDGE_POLICY, docs/tracing-edge-policy.md). A request from
 * outside may carry a `traceparent`: `continue` (the default) joins that trace, so a checkout started by
 * a click in the browser stays one trace; `link-only` starts a new trace whose root span links to the
 * caller's span; `ignore` starts a new trace and forgets the caller's context.
 *
 * The http instrumentation extracts the parent from the request's headers right after it asks
 * `startIncomingSpanHook` for attributes: for an edge request under link-only or ignore, that hook takes
 * `traceparent` and `tracestate` off the request, so the server span starts as a root (the head sampler
 * decides, not the caller's sampled flag), and keeps the caller's span context for `requestHook`, which
 * adds it to the new span as a link. Only routes a service declares are edges, and a caller the service
 * trusts (one of ours, e.g. the shop calling order with the internal credential) is always continued.
 */
import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, isSpanContextValid, propagation, trace, type Attributes, type Span, type SpanContext } from '@opentelemetry/api';

export type TraceEdgePolicy = 'continue' | 'link-only' | 'ignore';

export interface EdgeRoute {
  method: string;
  /** The route's path, e.g. `/checkout`; matched as express does: case-insensitive, trailing slash optional. */
  path: string;
}

export interface TraceEdge {
  policy: TraceEdgePolicy;
  /** The requests the policy applies to; without routes, every request the process serves (the shop). */
  routes?: readonly EdgeRoute[];
  /** Callers that are part of Tracecart (they hold the internal credential): their context is always continued. */
  isTrusted?: (request: IncomingMessage) => boolean;
}

/** Set on an edge's server span when the caller sent a trace context that the policy did not continue. */
export const ATTR_EDGE_POLICY = 'app.trace.edge_policy';

let edge: TraceEdge | undefined;
const callers = new WeakMap<IncomingMessage, SpanContext>();

/** Declares this process's public edge (once, at start-up); `undefined` forgets it (tests). */
export function declareTraceEdge(declared: TraceEdge | undefined): void {
  edge = declared;
}

function normalisedPath(path: string): string {
  const trimmed = path.toLowerCase().replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The request's path as express routes it (an absolute-form request target included). */
function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? '/', 'http://edge.invalid').pathname;
  } catch {
    return undefined;
  }
}

function isEdgeRequest(declared: TraceEdge, request: IncomingMessage): boolean {
  if (!declared.routes) return true;
  const path = pathOf(request);
  if (path === undefined) return true; // unparseable: treat as foreign
  const method = (request.method ?? 'GET').toUpperCase();
  return declared.routes.some((route) => route.method.toUpperCase() === method && normalisedPath(route.path) === normalisedPath(path));
}

function header(request: IncomingMessage, name: string): boolean {
  return request.headers[name] !== undefined;
}

/**
 * For the http instrumentation's `startIncomingSpanHook` (it runs before the parent is extracted):
 * applies the edge policy to the request, and returns the attribute that says so.
 */
export function applyTraceEdge(request: IncomingMessage): Attributes {
  const declared = edge;
  if (!declared || declared.policy === 'continue') return {};
  if (!header(request, 'traceparent') && !header(request, 'tracestate')) return {};
  if (!isEdgeRequest(declared, request)) return {};
  if (declared.isTrusted?.(request)) return {};
  if (declared.policy === 'link-only') {
    const caller = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, request.headers));
    if (caller && isSpanContextValid(caller)) callers.set(request, caller);
  }
  delete request.headers.traceparent;
  delete request.headers.tracestate;
  return { [ATTR_EDGE_POLICY]: declared.policy };
}

/** For the http instrumentation's `requestHook`: links the new root span to the caller's span (link-only). */
export function linkTraceEdgeCaller(span: Span, request: object): void {
  const caller = callers.get(request as IncomingMessage);
  if (!caller) return;
  callers.delete(request as IncomingMessage);
  span.addLink({ context: caller, attributes: { [ATTR_EDGE_POLICY]: 'link-only' } });
}
