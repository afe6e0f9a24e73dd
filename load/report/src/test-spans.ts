/** Test helper: hand-built spans and traces for edge cases. */
import { SpanKind, type AttributeValue, type FlatEvent, type FlatSpan } from '@tracecart/jaeger-client';

export interface SpanSpec {
  id: string;
  parent?: string;
  service?: string;
  name: string;
  start: number;
  end: number;
  kind?: number;
  attributes?: Record<string, AttributeValue>;
  events?: FlatEvent[];
  traceId?: string;
}

export function span(spec: SpanSpec): FlatSpan {
  return {
    traceId: spec.traceId ?? 't1',
    spanId: spec.id,
    parentSpanId: spec.parent,
    service: spec.service ?? 'order-service',
    name: spec.name,
    kind: spec.kind ?? SpanKind.INTERNAL,
    startMs: spec.start,
    endMs: spec.end,
    durationMs: spec.end - spec.start,
    attributes: spec.attributes ?? {},
    events: spec.events ?? [],
    statusCode: 0,
    statusMessage: undefined,
    links: [],
  };
}

export function root(start: number, end: number, traceId = 't1'): FlatSpan {
  return span({
    id: 'root',
    name: 'POST /checkout',
    kind: SpanKind.SERVER,
    start,
    end,
    traceId,
    attributes: { 'http.response.status_code': 201 },
  });
}

export function query(spec: Omit<SpanSpec, 'name'> & { text: string }): FlatSpan {
  const service = spec.service ?? 'order-service';
  // Named as the services name query spans: `{operation} {table}` (SELECT stock).
  const verb = spec.text.split(' ')[0]!.toUpperCase();
  const table = /\b(?:from|into|update)\s+(\w+)/i.exec(spec.text)?.[1];
  return span({
    ...spec,
    service,
    name: table ? `${verb} ${table}` : verb,
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': spec.text, ...spec.attributes },
  });
}

export function planEvent(summary: string, at: number): FlatEvent {
  const scan = summary.split(' <- ')[1] ?? summary;
  return {
    name: 'app.db.plan',
    timeMs: at,
    attributes: { 'app.db.plan.summary': summary, 'app.db.plan.scan_node': scan.replace(/ \(rows.*$/, '') },
  };
}
