/**
 * Which auto-instrumentations run and how. Only what Tracecart uses is switched on: http and undici
 * (fetch) for the HTTP hop, express for routes, pg for queries, amqplib for the queue hop, pino for
 * trace ids in logs. fs, dns and net stay off: net alone adds a tcp.connect span to every call.
 */
import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { pgRequestHook, pgResponseHook } from './db-hooks';
import { applyTraceEdge, linkTraceEdgeCaller } from './edge-policy';
import { eventLoopDelayAttributes } from './event-loop';
import { isSamplingPoll } from './remote-sampler';
import { undiciRequestHook } from './url-template';

// Probes and the internal telemetry counts: polled by machines, never part of a checkout's trace. Nor is
// the shop's intake of browser spans (/otlp/v1/traces): each batch forwarded would make a trace of its own.
// Nor the shop's question whether Jaeger kept a trace (/api/traces/:traceId): a wait of up to 30 s per
// order, which tail sampling would keep as a slow trace of its own.
const probePaths = /^\/(healthz|readyz|internal\/telemetry|otlp\/v1\/traces|api\/traces\/[^/?]*)(\?|$)/;

export function isProbeRequest(request: IncomingMessage): boolean {
  return probePaths.test(request.url ?? '');
}

/**
 * The server span's `url.query` with every value replaced: parameter names help reading a trace, values
 * can hold customer data (an e-mail, a token) and must never reach a span.
 */
export function redactedQuery(request: IncomingMessage): Attributes {
  const url = request.url ?? '';
  const at = url.indexOf('?');
  if (at < 0) return {};
  const redacted = new URLSearchParams();
  for (const name of new URLSearchParams(url.slice(at + 1)).keys()) redacted.append(name, 'REDACTED');
  return { 'url.query': redacted.toString() };
}

/** The short names (OTEL_NODE_ENABLED_INSTRUMENTATIONS style) that Tracecart switches on. */
export const enabledInstrumentations = ['http', 'undici', 'express', 'pg', 'amqplib', 'pino'];

export function tracecartInstrumentations(): Instrumentation[] {
  eventLoopDelayAttributes(); // starts measuring, so the first request's span reads a real delay
  // Only the listed instrumentations are even constructed; a user may widen the list through the env.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= enabledInstrumentations.join(',');
  return getNodeAutoInstrumentations({
    '@opentelemetry/instrumentation-fs': { enabled: false },
    '@opentelemetry/instrumentation-dns': { enabled: false },
    '@opentelemetry/instrumentation-net': { enabled: false },
    '@opentelemetry/instrumentation-http': {
      ignoreIncomingRequestHook: isProbeRequest,
      // The public edge's policy for a caller's trace context (edge-policy.ts) runs before the parent is
      // extracted; the link to the caller (link-only) is added once the server span exists.
      startIncomingSpanHook: (request) => ({ ...redactedQuery(request), ...applyTraceEdge(request) }),
      requestHook: linkTraceEdgeCaller,
      // Every answered request's server span carries the event loop's recent delay: a blocked loop shows.
      applyCustomAttributesOnSpan: (span) => span.setAttributes(eventLoopDelayAttributes()),
      // Services call each other with fetch (the undici instrumentation's client spans); the only
      // http.request callers are the OTLP exporter, whose requests are never traced anyway.
      disableOutgoingRequestInstrumentation: true,
    },
    // The remote sampler's polls of Jaeger (parentbased_jaeger_remote) are not part of any checkout; client
    // spans of typed clients are named by their route template (POST /payments).
    '@opentelemetry/instrumentation-undici': { ignoreRequestHook: (request) => isSamplingPoll(request), requestHook: undiciRequestHook },
    // Express still names the server span by its route (POST /checkout); its per-layer spans
    // (jsonParser, router, request handler: three per request, each a copy of the server span's timing)
    // are not made.
    '@opentelemetry/instrumentation-express': {
      // The ExpressLayerType enum's values (the package is not a direct dependency, so no import).
      ignoreLayersType: ['middleware', 'router', 'request_handler'] as never[],
    },
    // Trace ids go into every log line; the lines are not also copied to the OpenTelemetry logs API
    // (no logs exporter is configured, so each copy was built and thrown away).
    '@opentelemetry/instrumentation-pino': { disableLogSending: true },
    '@opentelemetry/instrumentation-pg': {
      // Queries outside a request or message (migrations, the outbox poller) make no orphan traces.
      requireParentSpan: true,
      // Never put parameter values on spans: they can hold customer data.
      enhancedDatabaseReporting: false,
      // Names each query span by its summary (SELECT payments) and sets db.query.summary & co.
      requestHook: pgRequestHook,
      responseHook: pgResponseHook,
    },
  });
}
