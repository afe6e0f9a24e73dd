/** A small client for Jaeger's /api/v3 query API (the v1 search endpoints are being removed). */
import { flattenTraces, type FlatSpan, type OtlpTraces } from './trace';

export interface JaegerQuery {
  service: string;
  operation?: string;
  /** Start of the search window. */
  since: Date;
  until?: Date;
  limit?: number;
  minDurationMs?: number;
}

async function getJson(url: URL, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.json().catch(() => undefined);
  return { status: response.status, body };
}

function resultOf(body: unknown): OtlpTraces {
  const result = (body as { result?: OtlpTraces } | undefined)?.result;
  return result ?? (body as OtlpTraces) ?? {};
}

export class JaegerClient {
  constructor(
    readonly baseUrl: string,
    readonly timeoutMs = 10_000,
  ) {}

  /** One trace by id; an empty list when Jaeger does not (yet) have it. */
  async trace(traceId: string): Promise<FlatSpan[]> {
    return flattenTraces(await this.traceOtlp(traceId));
  }

  /** One trace by id as Jaeger returns it (OTLP JSON), e.g. to record it; empty when Jaeger does not have it. */
  async traceOtlp(traceId: string): Promise<OtlpTraces> {
    const { status, body } = await getJson(new URL(`/api/v3/traces/${traceId}`, this.baseUrl), this.timeoutMs);
    if (status === 404) return {};
    if (status !== 200) throw new Error(`Jaeger answered ${status} for trace ${traceId}`);
    return resultOf(body);
  }

  /** Traces matching a search, flattened; the spans of all traces in one list. */
  async search(query: JaegerQuery): Promise<FlatSpan[]> {
    const url = new URL('/api/v3/traces', this.baseUrl);
    url.searchParams.set('query.service_name', query.service);
    if (query.operation) url.searchParams.set('query.operation_name', query.operation);
    url.searchParams.set('query.start_time_min', query.since.toISOString());
    url.searchParams.set('query.start_time_max', (query.until ?? new Date()).toISOString());
    url.searchParams.set('query.num_traces', String(query.limit ?? 1000));
    if (query.minDurationMs !== undefined) url.searchParams.set('query.duration_min', `${query.minDurationMs}ms`);
    const { status, body } = await getJson(url, this.timeoutMs);
    if (status === 404) return [];
    if (status !== 200) throw new Error(`Jaeger answered ${status} for ${url.pathname}: ${JSON.stringify(body).slice(0, 200)}`);
    return flattenTraces(resultOf(body));
  }

  async services(): Promise<string[]> {
    const { body } = await getJson(new URL('/api/v3/services', this.baseUrl), this.timeoutMs);
    return (body as { services?: string[] } | undefined)?.services ?? [];
  }

  /**
   * Polls until the trace satisfies `complete` (spans arrive in batches from three services) or the
   * deadline passes; returns what it has then.
   */
  async waitForTrace(traceId: string, complete: (spans: FlatSpan[]) => boolean, timeoutMs = 20_000): Promise<FlatSpan[]> {
    const deadline = Date.now() + timeoutMs;
    let spans: FlatSpan[] = [];
    while (Date.now() < deadline) {
      spans = await this.trace(traceId).catch(() => []);
      if (spans.length > 0 && complete(spans)) return spans;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return spans;
  }

  /**
   * Polls each trace until it satisfies `complete` or the shared deadline passes; returns the spans of
   * all of them (a trace that never completed contributes what Jaeger had at the deadline).
   */
  async waitForTraces(traceIds: readonly string[], complete: (spans: FlatSpan[]) => boolean, timeoutMs = 30_000): Promise<FlatSpan[]> {
    const deadline = Date.now() + timeoutMs;
    const found = new Map<string, FlatSpan[]>();
    let pending = [...new Set(traceIds)];
    while (pending.length > 0) {
      const stillPending: string[] = [];
      for (const traceId of pending) {
        const spans = await this.trace(traceId).catch((): FlatSpan[] => []);
        if (spans.length > 0) found.set(traceId, spans);
        if (spans.length === 0 || !complete(spans)) stillPending.push(traceId);
      }
      pending = stillPending;
      if (pending.length === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return [...found.values()].flat();
  }
}
