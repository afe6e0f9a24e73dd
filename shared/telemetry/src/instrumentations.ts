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

const probePaths = /^\/(healthz|readyz)(\?|$)/;

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
  // Only the listed instrumentations are even constructed; a user may widen the list through the env.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= enabledInstrumentations.join(',');
  return getNodeAutoInstrumentations({
    '@opentelemetry/instrumentation-fs': { enabled: false },
    '@opentelemetry/instrumentation-dns': { enabled: false },
    '@opentelemetry/instrumentation-net': { enabled: false },
    '@opentelemetry/instrumentation-http': { ignoreIncomingRequestHook: isProbeRequest, startIncomingSpanHook: redactedQuery },
    '@opentelemetry/instrumentation-pg': {
      // Queries outside a request or message (migrations, the outbox poller) make no orphan traces.
      requireParentSpan: true,
      // Never put parameter values on spans: they can hold customer data.
      enhancedDatabaseReporting: false,
      requestHook: pgRequestHook,
      responseHook: pgResponseHook,
    },
  });
}
