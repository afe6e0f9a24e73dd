/**
 * Counts the spans Jaeger holds for a set of traces, fetching each trace by id over /api/v3 (the outbox,
 * consumer and payment spans of a checkout all land in the checkout's trace).
 */
import type { JaegerClient } from '@tracecart/jaeger-client';

export interface JaegerCount {
  traces: number;
  tracesFound: number;
  spans: number;
  /** Spans per service over all the traces. */
  byService: Record<string, number>;
}

async function countOnce(
  jaeger: JaegerClient,
  traceIds: readonly string[],
  concurrency: number,
  services: ReadonlySet<string>,
): Promise<JaegerCount> {
  let next = 0;
  let spans = 0;
  let found = 0;
  const byService: Record<string, number> = {};
  const worker = async () => {
    while (next < traceIds.length) {
      const id = traceIds[next++]!;
      let trace = await jaeger.trace(id).catch(() => undefined);
      if (trace === undefined) trace = await jaeger.trace(id).catch(() => []);
      if (trace.length > 0) found += 1;
      // A span id seen twice (a duplicate delivery to storage) counts once.
      const ids = new Set<string>();
      for (const span of trace) {
        if (span.traceId !== id || ids.has(span.spanId) || !services.has(span.service)) continue;
        ids.add(span.spanId);
        spans += 1;
        byService[span.service] = (byService[span.service] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { traces: traceIds.length, tracesFound: found, spans, byService };
}

/**
 * Counts the spans of the given services (those whose emitted spans the bench counted: the partners
 * stand-in's spans share the checkout traces but are a third party's, not ours) until the total reaches
 * `expected` or stops growing between passes (spans may still be in flight through batch processors when
 * the first pass runs). Up to 20 passes, a minute: in the Kafka pipeline (TRACE_PIPELINE=kafka) the count
 * grows for as long as the ingesters' consumer lag drains (with 4 passes the bench once counted 7,762 of
 * 9,052 spans while the lag was still above 0); a single Jaeger stops growing within a pass or two.
 */
export async function countSpansInJaeger(
  jaeger: JaegerClient,
  traceIds: readonly string[],
  expected: number,
  services: readonly string[],
  { concurrency = 8, passes = 20, pauseMs = 3_000 } = {},
): Promise<JaegerCount & { passes: number }> {
  const counted = new Set(services);
  let last: JaegerCount | undefined;
  for (let pass = 1; pass <= passes; pass += 1) {
    const count = await countOnce(jaeger, traceIds, concurrency, counted);
    if (count.spans >= expected || (last && count.spans === last.spans)) return { ...count, passes: pass };
    last = count;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return { ...last!, passes };
}
