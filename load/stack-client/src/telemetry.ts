/** The span counts each service answers on `GET /internal/telemetry` (for the span-loss benchmark). */
// The shape is the telemetry package's own: `import type` vanishes from the compiled JavaScript, so the
// lab takes the type without loading the OpenTelemetry SDK (@tracecart/telemetry is a devDependency).
import type { SpanCounts } from '@tracecart/telemetry';
import { serviceNames, type ServiceName, type ServiceUrls } from './services';

export type { SpanCounts };

/** `internalToken` (INTERNAL_TOKEN) is needed when the services are not on this host (compose). */
export async function spanCounts(urls: ServiceUrls, service: ServiceName, internalToken?: string): Promise<SpanCounts> {
  const headers: Record<string, string> = internalToken ? { 'x-tracecart-internal-token': internalToken } : {};
  const response = await fetch(`${urls[service]}/internal/telemetry`, { headers, signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`${service} /internal/telemetry answered ${response.status}`);
  return (await response.json()) as SpanCounts;
}

export async function allSpanCounts(urls: ServiceUrls, internalToken?: string): Promise<Record<ServiceName, SpanCounts>> {
  const entries = await Promise.all(
    serviceNames.map(async (service) => [service, await spanCounts(urls, service, internalToken)] as const),
  );
  return Object.fromEntries(entries) as Record<ServiceName, SpanCounts>;
}
