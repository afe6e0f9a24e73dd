/**
 * OpenTelemetry in the browser, service `storefront-web`: document load, fetch (which carries
 * `traceparent` to the storefront server), and clicks on elements marked `data-trace-click` (the click
 * on "Place order" is the root span of a checkout's trace). Spans go to the shop's own server at
 * /otlp/v1/traces, which forwards them to Jaeger.
 */
import { context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { UserInteractionInstrumentation } from '@opentelemetry/instrumentation-user-interaction';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';

export const SERVICE_NAME = 'storefront-web';
const INTAKE_PATH = '/otlp/v1/traces';

/** A URL with every query value replaced: search words are user input and stay out of spans. */
export function redactUrl(url: string): string {
  const parsed = new URL(url, location.href);
  if (!parsed.search) return url;
  const redacted = new URLSearchParams();
  for (const name of parsed.searchParams.keys()) redacted.append(name, 'REDACTED');
  parsed.search = redacted.toString();
  return parsed.href;
}

const urlAttributes = ['url.full', 'http.url'];

function redactSpanUrls(span: Span, attributes: Attributes): void {
  for (const key of urlAttributes) {
    const value = attributes[key];
    if (typeof value === 'string') span.setAttribute(key, redactUrl(value));
  }
}

let provider: TracerProvider | undefined;

export function startTracing(): void {
  if (provider) return;
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_NAME }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: new URL(INTAKE_PATH, location.origin).href }),
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new StackContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  registerInstrumentations({
    instrumentations: [
      new DocumentLoadInstrumentation(),
      new FetchInstrumentation({
        // The page's own spans on their way out, and its question whether Jaeger kept a trace, are not traced.
        ignoreUrls: [/\/otlp\//, /\/api\/traces\//],
        requestHook: (span) => {
          const readable = span as unknown as { attributes?: Attributes };
          if (readable.attributes) redactSpanUrls(span, readable.attributes);
        },
      }),
      new UserInteractionInstrumentation({
        eventNames: ['click'],
        // Only clicks that start work worth a trace; a click on "Add" is not one.
        shouldPreventSpanCreation: (_event, element) => !element.closest('[data-trace-click]'),
      }),
    ],
  });
  // Spans of a page being left are sent before it goes.
  addEventListener('pagehide', () => void provider?.forceFlush());
}

export function tracer() {
  return trace.getTracer(SERVICE_NAME);
}

/** Flushes buffered spans now (tests and "View trace" want them in Jaeger without waiting for the batch). */
export function flushSpans(): Promise<void> {
  return provider?.forceFlush() ?? Promise.resolve();
}
