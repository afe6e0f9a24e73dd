/**
 * Outcome counts of the checkout requests, and the slowest traces. "Errors" are every outcome except
 * 201 (created) and 402 (declined, an expected answer): other statuses, network errors and timeouts.
 * Requests dropped at the in-flight cap were never sent and are counted apart.
 */
import type { HttpResult } from './http-client';

export interface OutcomeCounts {
  created: number;
  declined: number;
  /** Other HTTP statuses, by code. */
  byStatus: Record<string, number>;
  /** Network errors, by error code. */
  networkErrors: Record<string, number>;
  timeouts: number;
  /** Client-overloaded: the in-flight cap was reached at the scheduled time, so the request was not sent. */
  dropped: number;
  /** byStatus + networkErrors + timeouts. */
  errors: number;
}

export class OutcomeCounter {
  created = 0;
  declined = 0;
  timeouts = 0;
  dropped = 0;
  errors = 0;
  private readonly byStatus = new Map<number, number>();
  private readonly networkErrors = new Map<string, number>();

  add(result: HttpResult): void {
    if (result.kind === 'response') {
      if (result.status === 201) this.created += 1;
      else if (result.status === 402) this.declined += 1;
      else {
        this.byStatus.set(result.status, (this.byStatus.get(result.status) ?? 0) + 1);
        this.errors += 1;
      }
    } else if (result.kind === 'network') {
      this.networkErrors.set(result.code, (this.networkErrors.get(result.code) ?? 0) + 1);
      this.errors += 1;
    } else {
      this.timeouts += 1;
      this.errors += 1;
    }
  }

  addDropped(): void {
    this.dropped += 1;
  }

  counts(): OutcomeCounts {
    const byStatus = Object.fromEntries([...this.byStatus].sort((a, b) => a[0] - b[0]).map(([code, n]) => [String(code), n]));
    const networkErrors = Object.fromEntries([...this.networkErrors].sort((a, b) => b[1] - a[1]));
    return {
      created: this.created,
      declined: this.declined,
      byStatus,
      networkErrors,
      timeouts: this.timeouts,
      dropped: this.dropped,
      errors: this.errors,
    };
  }
}

export interface SlowTrace {
  traceId: string;
  latencyMs: number;
  status: number;
  orderId: string | null;
  jaegerUrl: string;
  /** Whether Jaeger holds the trace (false: tail sampling did not keep it; null: Jaeger not reachable); set by the CLI. */
  stored?: boolean | null;
}

/** Keeps the N slowest traced requests, slowest first. */
export class SlowestTraces {
  private readonly entries: Array<Omit<SlowTrace, 'jaegerUrl'>> = [];

  constructor(
    private readonly limit: number,
    private readonly jaegerUiUrl: string,
  ) {}

  offer(entry: Omit<SlowTrace, 'jaegerUrl'>): void {
    if (this.limit <= 0) return;
    const last = this.entries[this.entries.length - 1];
    if (this.entries.length >= this.limit && last && entry.latencyMs <= last.latencyMs) return;
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.latencyMs < entry.latencyMs) at -= 1;
    this.entries.splice(at, 0, entry);
    if (this.entries.length > this.limit) this.entries.pop();
  }

  list(): SlowTrace[] {
    return this.entries.map((entry) => ({ ...entry, jaegerUrl: jaegerTraceUrl(this.jaegerUiUrl, entry.traceId) }));
  }
}

export function jaegerTraceUrl(jaegerUiUrl: string, traceId: string): string {
  return `${jaegerUiUrl.replace(/\/+$/, '')}/trace/${traceId}`;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The trace id of a checkout answer: the body's traceId, else the W3C `traceresponse` header's. */
export function traceIdOf(body: unknown, traceresponse: string | string[] | undefined): string | undefined {
  if (body && typeof body === 'object') {
    const id = (body as { traceId?: unknown }).traceId;
    if (typeof id === 'string' && TRACE_ID.test(id) && !/^0+$/.test(id)) return id;
  }
  const header = Array.isArray(traceresponse) ? traceresponse[0] : traceresponse;
  const match = header ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header.trim()) : null;
  if (match && !/^0+$/.test(match[1]!)) return match[1];
  return undefined;
}

export function orderIdOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const id = (body as { orderId?: unknown }).orderId;
    if (typeof id === 'string' && id !== '') return id;
  }
  return undefined;
}
