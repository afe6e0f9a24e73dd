/** The traces of a burst, from Jaeger, once they are complete (order has consumed shipment.created). */
import { JaegerClient, SpanKind, type FlatSpan, type OtlpTraces } from '@tracecart/jaeger-client';

/** Complete: order's consumer span is there (it is the last span of a paid checkout), or the checkout did not pay. */
export function checkoutTraceComplete(spans: readonly FlatSpan[]): boolean {
  const root = spans.find((span) => span.name === 'POST /checkout' && span.kind === SpanKind.SERVER);
  if (!root) return false;
  const status = Number(root.attributes['http.response.status_code'] ?? 0);
  if (status !== 201) return true;
  return spans.some((span) => span.service === 'order-service' && span.kind === SpanKind.CONSUMER);
}

export async function waitForCheckoutTraces(jaegerUrl: string, traceIds: readonly string[], timeoutMs = 60_000): Promise<FlatSpan[]> {
  const jaeger = new JaegerClient(jaegerUrl);
  const spans = await jaeger.waitForTraces(traceIds, checkoutTraceComplete, timeoutMs);
  // Spans of one trace arrive from three exporters; give stragglers one more export interval.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return (await Promise.all([...new Set(spans.map((span) => span.traceId))].map((id) => jaeger.trace(id)))).flat();
}

export async function rawTraces(jaegerUrl: string, traceIds: readonly string[]): Promise<OtlpTraces[]> {
  const jaeger = new JaegerClient(jaegerUrl);
  return Promise.all(traceIds.map((id) => jaeger.traceOtlp(id)));
}
