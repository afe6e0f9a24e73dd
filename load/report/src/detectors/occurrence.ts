/** What a pattern detector reports: one place in one trace where a pattern shows. */
import type { FlatSpan } from '@tracecart/jaeger-client';
import type { Signature } from '@tracecart/lab-catalogue';
import type { AnalysedTrace } from '../analysed-trace';
import type { Interval } from '../critical-path';
import { ancestorsOf, isAsyncSpan, type TraceTree } from '../trace-tree';
import { statementOf } from '../statement';

export interface Occurrence {
  signature: Signature;
  traceId: string;
  service: string;
  /** The span name the pattern is found on (for N+1: the parent of the repeated queries). */
  operation: string;
  statement: string | undefined;
  /**
   * Names of the spans above the pattern's span within its service's unit of work, nearest first: up the
   * tree while the service stays the same, up to and including the consumer span of a queue hop. The
   * catalogue is matched against these.
   */
  ancestry: string[];
  /** The spans whose time on the path the pattern costs. */
  spanIds: string[];
  /** The part of their time that is the pattern's cost (e.g. the wait, not the query after it). */
  window: Interval;
  /** One line of evidence for a human. */
  evidence: string;
  /** The number that made the detector fire, in ms or a count (named in `evidence`). */
  measure: number;
}

/** The enclosing spans of `span` in its own service, nearest first, stopping after a queue hop's span. */
export function enclosingSpans(tree: TraceTree, span: FlatSpan): FlatSpan[] {
  const chain: FlatSpan[] = [];
  if (isAsyncSpan(span)) return chain;
  for (const above of ancestorsOf(tree, span)) {
    if (above.service !== span.service) break;
    chain.push(above);
    if (isAsyncSpan(above)) break;
  }
  return chain;
}

export function occurrenceOn(
  trace: AnalysedTrace,
  span: FlatSpan,
  fields: Pick<Occurrence, 'signature' | 'evidence' | 'measure'> &
    Partial<Pick<Occurrence, 'spanIds' | 'window' | 'operation' | 'statement'>>,
): Occurrence {
  return {
    traceId: trace.traceId,
    service: span.service,
    operation: fields.operation ?? span.name,
    statement: 'statement' in fields ? fields.statement : statementOf(span),
    ancestry: enclosingSpans(trace.tree, span).map((above) => above.name),
    spanIds: fields.spanIds ?? [span.spanId],
    window: fields.window ?? { startMs: span.startMs, endMs: span.endMs },
    signature: fields.signature,
    evidence: fields.evidence,
    measure: fields.measure,
  };
}
