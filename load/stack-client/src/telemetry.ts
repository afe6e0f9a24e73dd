/** The span counts each service answers on `GET /internal/telemetry` (for the span-loss benchmark). */
// The shape is the telemetry package's own: `import type` vanishes from the compiled JavaScript, so the
// lab takes the type without loading the OpenTelemetry SDK (@tracecart/telemetry is a devDependency).
import type { SpanCounts } from '@tracecart/telemetry';
import { serviceNames, type ServiceName, type ServiceUrls } from './services';

export type { SpanCounts };

export async function spanCounts(urls: ServiceUrls, service: ServiceName): Promise<SpanCounts> {
  const response = await fetch(`${urls[service]}/internal/telemetry`, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`${service} /internal/telemetry answered ${response.status}`);
  return (await response.json()) as SpanCounts;
}

export async function allSpanCounts(urls: ServiceUrls): Promise<Record<ServiceName, SpanCounts>> {
  const entries = await Promise.all(serviceNames.map(async (service) => [service, await spanCounts(urls, service)] as const));
  return Object.fromEntries(entries) as Record<ServiceName, SpanCounts>;
}
