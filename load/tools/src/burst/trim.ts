/**
 * Trims OTLP JSON for recorded fixtures: keeps every span, its ids, parent, name, kind, times, status and
 * events, and the attributes the report and tests read; drops host, process and network details.
 */
import type { OtlpTraces } from '@tracecart/jaeger-client';

const keptSpanAttributes = [
  /^app\./,
  /^db\.(system|system\.name|namespace|query\.text|query\.summary|operation\.name|collection\.name)$/,
  /^http\.(request\.method|response\.status_code|route)$/,
  /^url\.(path|template)$/,
  /^messaging\.(system|operation|rabbitmq\.routing_key)$/,
  /^nodejs\.eventloop\.delay\./,
];

type Attribute = { key: string; value?: unknown };
type SpanJson = Record<string, unknown> & { attributes?: Attribute[] };

function keepAttribute(attribute: Attribute): boolean {
  return keptSpanAttributes.some((pattern) => pattern.test(attribute.key));
}

function trimSpan(span: SpanJson): SpanJson {
  const { traceId, spanId, parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano, attributes, events, status, links } = span;
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes: (attributes ?? []).filter(keepAttribute),
    ...(Array.isArray(events) && events.length > 0 ? { events } : {}),
    ...(status && Object.keys(status).length > 0 ? { status } : {}),
    ...(Array.isArray(links) && links.length > 0 ? { links } : {}),
  };
}

export function trimOtlp(traces: OtlpTraces): OtlpTraces {
  return {
    resourceSpans: (traces.resourceSpans ?? []).map((resourceSpans) => ({
      resource: { attributes: (resourceSpans.resource?.attributes ?? []).filter((attribute) => attribute.key === 'service.name') },
      scopeSpans: (resourceSpans.scopeSpans ?? []).map((scope) => ({
        spans: (scope.spans ?? []).map((span) => trimSpan(span as unknown as SpanJson)) as unknown as NonNullable<typeof scope.spans>,
      })),
    })),
  };
}
