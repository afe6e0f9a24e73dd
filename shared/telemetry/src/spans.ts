/** Small helpers for the spans Tracecart creates itself, on top of the auto-instrumented ones. */
import { SpanStatusCode, context, trace, type Attributes, type Span, type SpanContext, type SpanKind } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';

export const tracer = trace.getTracer('tracecart');

/** Marks a span failed: the error becomes an `exception` event and the status turns ERROR. */
export function recordFailure(span: Span | undefined, error: unknown, message?: string): void {
  if (!span) return;
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? failure.message });
}

/**
 * Runs `work` inside a new active span; a thrown error is recorded on the span and re-thrown.
 * The span always ends, however `work` ends.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, kind?: SpanKind): Promise<T> {
  return tracer.startActiveSpan(name, { attributes, ...(kind === undefined ? {} : { kind }) }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The HTTP server span of the request being handled, if the http instrumentation made one. */
export function serverSpan(): Span | undefined {
  return getRPCMetadata(context.active())?.span ?? trace.getActiveSpan();
}

/** Sets attributes on the current span and on the request's server span. */
export function annotate(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
  serverSpan()?.setAttributes(attributes);
}

/** W3C Trace Context level 2 `traceresponse` header value for a span. */
export function traceResponseHeader(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

export function currentTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}
