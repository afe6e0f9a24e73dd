/**
 * Jaeger's /api/v3 answers carry OTLP JSON (`result.resourceSpans[].scopeSpans[].spans[]`). These
 * functions flatten that into one plain span list, with the service name on each span.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[];

export interface FlatEvent {
  name: string;
  timeMs: number;
  attributes: Record<string, AttributeValue>;
}

export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  /** The process's `service.instance.id` (which replica), when its resource has one. */
  instance?: string;
  name: string;
  /** OTLP kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startMs: number;
  endMs: number;
  durationMs: number;
  attributes: Record<string, AttributeValue>;
  events: FlatEvent[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string | undefined;
  links: Array<{ traceId: string; spanId: string }>;
}

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  events?: Array<{ name: string; timeUnixNano: string | number; attributes?: OtlpKeyValue[] }>;
  status?: { code?: number | string; message?: string };
  links?: Array<{ traceId: string; spanId: string }>;
}

export interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

function valueOf(value: OtlpAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  return null;
}

export function attributeMap(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((attributes ?? []).map((attribute) => [attribute.key, valueOf(attribute.value)]));
}

const kindNames: Record<string, number> = {
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

function kindOf(kind: number | string | undefined): number {
  if (typeof kind === 'number') return kind;
  if (kind === undefined) return 0;
  return kindNames[kind] ?? Number(kind);
}

function statusCodeOf(code: number | string | undefined): number {
  if (typeof code === 'number') return code;
  if (code === 'STATUS_CODE_ERROR') return 2;
  if (code === 'STATUS_CODE_OK') return 1;
  return 0;
}

const nanosToMs = (value: string | number): number => Number(BigInt(value) / 1000n) / 1000;

/** Flattens OTLP JSON, as Jaeger's /api/v3 returns it, into spans. */
export function flattenTraces(traces: OtlpTraces): FlatSpan[] {
  const spans: FlatSpan[] = [];
  for (const resourceSpans of traces.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    const service = String(resource['service.name'] ?? 'unknown');
    const instance = resource['service.instance.id'] === undefined ? undefined : String(resource['service.instance.id']);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const startMs = nanosToMs(span.startTimeUnixNano);
        const endMs = nanosToMs(span.endTimeUnixNano);
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          service,
          ...(instance === undefined ? {} : { instance }),
          name: span.name,
          kind: kindOf(span.kind),
          startMs,
          endMs,
          durationMs: endMs - startMs,
          attributes: attributeMap(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            timeMs: nanosToMs(event.timeUnixNano),
            attributes: attributeMap(event.attributes),
          })),
          statusCode: statusCodeOf(span.status?.code),
          statusMessage: span.status?.message,
          links: span.links ?? [],
        });
      }
    }
  }
  return spans;
}

/** Groups spans by trace id. */
export function byTrace(spans: readonly FlatSpan[]): Map<string, FlatSpan[]> {
  const traces = new Map<string, FlatSpan[]>();
  for (const span of spans) {
    const list = traces.get(span.traceId) ?? [];
    list.push(span);
    traces.set(span.traceId, list);
  }
  return traces;
}
