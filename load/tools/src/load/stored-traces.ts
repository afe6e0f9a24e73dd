/**
 * Whether Jaeger kept the traces the summary links to. With tail sampling on (TRACE_SAMPLING=tail, see
 * docs/sampling.md) Jaeger stores a trace only after its decision wait, and not at all when no policy keeps
 * it: the summary then says so instead of printing a dead link. Without tail sampling every trace is there
 * within a second or two, so the wait below is spent only when a trace is missing.
 */
import { JaegerClient } from '@tracecart/jaeger-client';
import type { SlowTrace } from './outcomes';

/** Marks each trace `stored: true|false`, or null when Jaeger cannot be asked; waits up to `waitMs` for late ones. */
export async function markStoredTraces(
  traces: readonly SlowTrace[],
  jaegerQueryUrl: string,
  waitMs = 15_000,
  pollMs = 1_000,
): Promise<SlowTrace[]> {
  const jaeger = new JaegerClient(jaegerQueryUrl, 5_000);
  const stored = new Map<string, boolean | null>();
  const deadline = Date.now() + waitMs;
  let pending = [...new Set(traces.map((trace) => trace.traceId))];
  while (pending.length > 0) {
    const still: string[] = [];
    for (const traceId of pending) {
      try {
        const found = (await jaeger.trace(traceId)).length > 0;
        stored.set(traceId, found);
        if (!found) still.push(traceId);
      } catch {
        stored.set(traceId, null);
      }
    }
    pending = still;
    if (pending.length === 0 || Date.now() + pollMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return traces.map((trace) => ({ ...trace, stored: stored.get(trace.traceId) ?? null }));
}

/** The note printed after a link: nothing when the trace is there. */
export function storedNote(trace: Pick<SlowTrace, 'stored'>): string {
  if (trace.stored === false) return '  (not kept by Jaeger: tail sampling dropped it, docs/sampling.md)';
  if (trace.stored === null) return '  (Jaeger not reachable: not checked)';
  return '';
}
