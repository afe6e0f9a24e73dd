/**
 * Helpers for the Monitor-tab and sampling tests (issue 14): restart a component of the local stack with
 * extra settings and back, read Jaeger's metrics API, export a client span of our own over OTLP.
 */
import { randomBytes } from 'node:crypto';
import { config } from './stack';
import { stack } from './faults';

/** Runs `scripts/stack restart <component>` with `env` added to (or, for undefined, removed from) the environment. */
export async function restartWith(component: string, env: Record<string, string | undefined>): Promise<string> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await stack('restart', component);
  } finally {
    apply(saved);
  }
}

export interface MetricPoint {
  value: number;
  timestamp: string;
}

export interface MetricSeries {
  labels: Record<string, string>;
  points: MetricPoint[];
}

/** GET /api/metrics/<kind> of Jaeger's query extension (the Monitor tab's source), flattened. */
export async function jaegerMetrics(
  kind: 'calls' | 'errors' | 'latencies',
  params: Record<string, string | number | boolean>,
): Promise<MetricSeries[]> {
  const url = new URL(`/api/metrics/${kind}`, config.JAEGER_QUERY_URL);
  const query = { lookback: 600_000, step: 5_000, ratePer: 60_000, endTs: Date.now(), ...params };
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as {
    metrics?: Array<{
      labels?: Array<{ name: string; value: string }>;
      metricPoints?: Array<{ gaugeValue?: { doubleValue?: number | string }; timestamp: string }>;
    }>;
    errors?: unknown;
  };
  if (response.status !== 200)
    throw new Error(`${url.pathname}${url.search} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return (body.metrics ?? []).map((metric) => ({
    labels: Object.fromEntries((metric.labels ?? []).map((label) => [label.name, label.value])),
    points: (metric.metricPoints ?? []).map((point) => ({ value: Number(point.gaugeValue?.doubleValue), timestamp: point.timestamp })),
  }));
}

export const hexId = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Exports one span over OTLP/HTTP JSON to Jaeger, as a caller of the shop would (the browser's click span is
 * such a root): the test opens it, runs a checkout under it with `traceparent`, and ends it later.
 */
export async function exportClientSpan(span: {
  traceId: string;
  spanId: string;
  name: string;
  startMs: number;
  endMs: number;
}): Promise<void> {
  const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'sampling-test-client' } }] },
        scopeSpans: [
          {
            scope: { name: 'tracecart-stack-tests' },
            spans: [
              {
                traceId: span.traceId,
                spanId: span.spanId,
                name: span.name,
                kind: 3,
                startTimeUnixNano: nanos(span.startMs),
                endTimeUnixNano: nanos(span.endMs),
                status: {},
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(new URL('/v1/traces', config.OTEL_EXPORTER_OTLP_ENDPOINT), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Jaeger's OTLP receiver answered ${response.status}: ${await response.text()}`);
}

export interface TelemetryCounts {
  roots: number;
  rootNames: Record<string, number>;
}

/** A service's span counts (GET /internal/telemetry): how many traces it began, by root span name. */
export async function telemetryCounts(serviceUrl: string): Promise<TelemetryCounts> {
  const response = await fetch(`${serviceUrl}/internal/telemetry`);
  return (await response.json()) as TelemetryCounts;
}
