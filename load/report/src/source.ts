/** Where the report's spans come from: Jaeger's /api/v3 search for the checkout root operation in a time window. */
import { JaegerClient, type FlatSpan } from '@tracecart/jaeger-client';
import type { TimeWindow } from './time-window';
import type { RootSelector } from './trace-tree';

export async function fetchCheckoutSpans(jaegerUrl: string, root: RootSelector, window: TimeWindow, limit: number): Promise<FlatSpan[]> {
  const jaeger = new JaegerClient(jaegerUrl, 30_000);
  try {
    return await jaeger.search({ service: root.service, operation: root.operation, since: window.since, until: window.until, limit });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new Error(`cannot read traces from Jaeger at ${jaegerUrl} (${reason}); is the stack up (./scripts/stack status)?`);
  }
}
