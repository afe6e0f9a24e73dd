/**
 * N+1: under one parent span, the same statement shape runs again and again (at least `minRepeats`
 * times), typically one round trip per item of a list. The staircase's cost is its whole extent on the
 * path, round-trip gaps included (those are the parent's self time).
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { abbreviate, isQuerySpan, statementOf } from '../statement';
import { round } from '../stats';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface NPlusOneOptions {
  /** How many queries of one statement shape under one parent make a staircase. */
  minRepeats: number;
}

export const nPlusOneDefaults: NPlusOneOptions = { minRepeats: 5 };

/** How many of the spans (sorted by start) overlap the one before them by more than the 1 ms start-time resolution. */
export function overlappingSteps(spans: readonly FlatSpan[]): number {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  let overlaps = 0;
  for (let index = 1; index < sorted.length; index += 1) {
    if (sorted[index]!.startMs < sorted[index - 1]!.endMs - 1) overlaps += 1;
  }
  return overlaps;
}

export function detectNPlusOne(traces: readonly AnalysedTrace[], options: NPlusOneOptions = nPlusOneDefaults): Occurrence[] {
  const found: Occurrence[] = [];
  for (const trace of traces) {
    const byParent = new Map<string, FlatSpan[]>();
    for (const span of trace.tree.spans) {
      if (!isQuerySpan(span) || !span.parentSpanId) continue;
      const siblings = byParent.get(span.parentSpanId) ?? [];
      siblings.push(span);
      byParent.set(span.parentSpanId, siblings);
    }
    for (const [parentId, queries] of byParent) {
      const byStatement = new Map<string, FlatSpan[]>();
      for (const query of queries) {
        const statement = statementOf(query)!;
        byStatement.set(statement, [...(byStatement.get(statement) ?? []), query]);
      }
      const repeated = [...byStatement.entries()]
        .filter(([, spans]) => spans.length >= options.minRepeats)
        .sort((a, b) => b[1].length - a[1].length);
      if (repeated.length === 0) continue;
      const steps = repeated.flatMap(([, spans]) => spans);
      const parent = trace.tree.byId.get(parentId);
      const startMs = Math.min(...steps.map((span) => span.startMs));
      const endMs = Math.max(...steps.map((span) => span.endMs));
      const shapes = repeated.map(([statement, spans]) => `${spans.length}× "${abbreviate(statement, 60)}"`).join(', ');
      const overlaps = overlappingSteps(steps);
      const order = overlaps === 0 ? 'one after the other' : `${overlaps} of them overlapping`;
      found.push(
        occurrenceOn(trace, parent ?? steps[0]!, {
          signature: 'n-plus-one',
          operation: parent?.name ?? '(parent span missing)',
          statement: repeated[0]![0],
          spanIds: [...steps.map((span) => span.spanId), ...(parent ? [parent.spanId] : [])],
          window: { startMs, endMs },
          evidence: `${steps.length} queries under ${parent?.name ?? 'a missing parent'}, ${order}, ${round(endMs - startMs)} ms: ${shapes}`,
          measure: steps.length,
        }),
      );
    }
  }
  return found;
}
