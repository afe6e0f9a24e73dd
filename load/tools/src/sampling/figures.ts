/**
 * The figures of `pnpm sampling-check`, computed trace by trace from two sets of spans of the same run:
 * every span the services sent ("truth", a second store in Jaeger) and what Jaeger's own store kept.
 * Only checkout traces count (root span `POST /checkout` of order-service).
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import { percentile } from '@tracecart/report';

export interface TraceFacts {
  traceId: string;
  spans: number;
  /** Span count per service. */
  services: Record<string, number>;
  /** Some span has ERROR status (a decline, a failure). */
  error: boolean;
  /** From the first span's start to the last span's end: for a checkout, through both queue hops. */
  durationMs: number;
}

const isCheckoutRoot = (span: FlatSpan) => !span.parentSpanId && span.service === 'order-service' && span.name === 'POST /checkout';

/** Groups spans into checkout traces (a trace without its POST /checkout root is left out). */
export function checkoutTraces(spans: readonly FlatSpan[]): Map<string, TraceFacts> {
  const byTrace = new Map<string, FlatSpan[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const traces = new Map<string, TraceFacts>();
  for (const [traceId, list] of byTrace) {
    if (!list.some(isCheckoutRoot)) continue;
    const services: Record<string, number> = {};
    let start = Infinity;
    let end = -Infinity;
    for (const span of list) {
      services[span.service] = (services[span.service] ?? 0) + 1;
      start = Math.min(start, span.startMs);
      end = Math.max(end, span.endMs);
    }
    traces.set(traceId, {
      traceId,
      spans: list.length,
      services,
      error: list.some((span) => span.statusCode === 2),
      durationMs: end - start,
    });
  }
  return traces;
}

export interface Share {
  total: number;
  kept: number;
  keptPct: number | null;
}

export interface SamplingFigures {
  thresholdMs: number;
  /** Traces within this many ms of the threshold are "borderline": the processor measures a trace from
   * the spans it holds at decision time, which may differ from the stored spans by a few ms. */
  borderlineMs: number;
  traces: {
    total: number;
    kept: number;
    errors: Share;
    slow: Share;
    borderline: Share;
    /** Neither an error nor slow: the probabilistic share applies. */
    rest: Share;
  };
  spans: { unsampled: number; stored: number; cutPct: number | null };
  /** Kept traces compared span for span (per service) with the unsampled ones. */
  completeness: { kept: number; incomplete: number; spansMissing: number; examples: string[] };
  /** Checkout trace durations without sampling (checkout-to-shipped for a paid one). */
  traceDurationMs: { count: number; p50: number; p95: number; p99: number; max: number } | null;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);
const share = (total: number, kept: number): Share => ({ total, kept, keptPct: pct(kept, total) });

export function samplingFigures(
  truth: ReadonlyMap<string, TraceFacts>,
  kept: ReadonlyMap<string, TraceFacts>,
  thresholdMs: number,
  borderlineMs = 50,
): SamplingFigures {
  const counts = { errors: [0, 0], slow: [0, 0], borderline: [0, 0], rest: [0, 0] };
  let unsampled = 0;
  let stored = 0;
  let keptTraces = 0;
  let incomplete = 0;
  let spansMissing = 0;
  const examples: string[] = [];
  for (const trace of truth.values()) {
    const storedTrace = kept.get(trace.traceId);
    const isKept = storedTrace !== undefined;
    const group = trace.error
      ? counts.errors
      : trace.durationMs > thresholdMs + borderlineMs
        ? counts.slow
        : trace.durationMs >= thresholdMs - borderlineMs
          ? counts.borderline
          : counts.rest;
    group[0]! += 1;
    unsampled += trace.spans;
    if (!isKept) continue;
    group[1]! += 1;
    keptTraces += 1;
    stored += storedTrace.spans;
    let missing = 0;
    for (const [service, count] of Object.entries(trace.services)) missing += Math.max(0, count - (storedTrace.services[service] ?? 0));
    if (missing > 0) {
      incomplete += 1;
      spansMissing += missing;
      if (examples.length < 5) examples.push(trace.traceId);
    }
  }
  const durations = [...truth.values()].map((trace) => trace.durationMs);
  const round = (value: number | undefined) => Math.round((value ?? 0) * 10) / 10;
  return {
    thresholdMs,
    borderlineMs,
    traces: {
      total: truth.size,
      kept: keptTraces,
      errors: share(counts.errors[0]!, counts.errors[1]!),
      slow: share(counts.slow[0]!, counts.slow[1]!),
      borderline: share(counts.borderline[0]!, counts.borderline[1]!),
      rest: share(counts.rest[0]!, counts.rest[1]!),
    },
    spans: { unsampled, stored, cutPct: unsampled > 0 ? round(100 - (stored / unsampled) * 100) : null },
    completeness: { kept: keptTraces, incomplete, spansMissing, examples },
    traceDurationMs:
      durations.length === 0
        ? null
        : {
            count: durations.length,
            p50: round(percentile(durations, 50)),
            p95: round(percentile(durations, 95)),
            p99: round(percentile(durations, 99)),
            max: round(Math.max(...durations)),
          },
  };
}
