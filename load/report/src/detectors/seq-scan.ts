/**
 * Sequential scans: a query span whose `app.db.plan` event has a scan node starting with "Seq Scan". The
 * services attach the plan only to slow SELECTs, and only from the second slow one of a statement on
 * (the first one's EXPLAIN runs after it); so a slow span without its own event borrows the plan seen on
 * the same statement elsewhere in the window, and when no plan is known at all, a single query at least
 * `slowQueryMs` long that takes most of its parent counts as a suspected scan.
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import type { AnalysedTrace } from '../analysed-trace';
import { isPlainSelect, isQuerySpan, statementOf } from '../statement';
import { round } from '../stats';
import { parentOf } from '../trace-tree';
import { occurrenceOn, type Occurrence } from './occurrence';

export interface SeqScanOptions {
  /** How long a query with no plan at all must last to be suspected of a scan (the services explain SELECTs from SLOW_QUERY_EXPLAIN_MS, 20 ms, so most slow queries carry a plan). */
  slowQueryMs: number;
  /** Without any plan: the share of its parent a single slow query must take to be a suspected scan. */
  wideShareOfParent: number;
}

export const seqScanDefaults: SeqScanOptions = { slowQueryMs: 50, wideShareOfParent: 0.5 };

export interface PlanEvidence {
  summary: string;
  scanNode: string;
}

/**
 * The plan event the services attach (`app.db.plan`, attributes `app.db.plan.*`), or its name before
 * the rename out of the semantic conventions' `db.*` namespace (`db.query.plan`), which traces recorded
 * earlier (trace files, a Jaeger still holding them) carry.
 */
const planEvents: ReadonlyArray<{ name: string; prefix: string }> = [
  { name: 'app.db.plan', prefix: 'app.db.plan.' },
  { name: 'db.query.plan', prefix: 'db.query.plan.' },
];

export function planOf(span: FlatSpan): PlanEvidence | undefined {
  for (const { name, prefix } of planEvents) {
    const event = span.events.find((candidate) => candidate.name === name);
    if (!event) continue;
    const summary = String(event.attributes[`${prefix}summary`] ?? '');
    const scanNode = String(event.attributes[`${prefix}scan_node`] ?? '') || (summary.split(' <- ')[1] ?? summary);
    return { summary, scanNode };
  }
  return undefined;
}

export function isSeqScan(plan: PlanEvidence): boolean {
  // PostgreSQL may split the scan over workers: "Parallel Seq Scan" is the same pathology.
  return /^(Parallel )?Seq Scan/.test(plan.scanNode);
}

/** The latest plan seen per (service, statement) across the traces. */
export function plansByStatement(traces: readonly AnalysedTrace[]): Map<string, PlanEvidence> {
  const latest = new Map<string, { plan: PlanEvidence; at: number }>();
  for (const trace of traces) {
    for (const span of trace.tree.spans) {
      const plan = planOf(span);
      if (!plan) continue;
      const key = `${span.service}\u0000${statementOf(span) ?? ''}`;
      const seen = latest.get(key);
      if (!seen || seen.at < span.endMs) latest.set(key, { plan, at: span.endMs });
    }
  }
  return new Map([...latest].map(([key, { plan }]) => [key, plan]));
}

export function detectSeqScans(traces: readonly AnalysedTrace[], options: SeqScanOptions = seqScanDefaults): Occurrence[] {
  const known = plansByStatement(traces);
  const found: Occurrence[] = [];
  for (const trace of traces) {
    for (const span of trace.tree.spans) {
      if (!isQuerySpan(span)) continue;
      const statement = statementOf(span)!;
      if (!isPlainSelect(statement)) continue;
      const own = planOf(span);
      const duration = `${round(span.durationMs)} ms`;
      if (own) {
        if (isSeqScan(own))
          found.push(
            occurrenceOn(trace, span, { signature: 'seq-scan', evidence: `${duration}, plan: ${own.summary}`, measure: span.durationMs }),
          );
        continue;
      }
      if (span.durationMs < options.slowQueryMs) continue;
      const borrowed = known.get(`${span.service}\u0000${statement}`);
      if (borrowed) {
        if (isSeqScan(borrowed)) {
          found.push(
            occurrenceOn(trace, span, {
              signature: 'seq-scan',
              evidence: `${duration}, plan of the same statement: ${borrowed.summary}`,
              measure: span.durationMs,
            }),
          );
        }
        continue;
      }
      const parent = parentOf(trace.tree, span);
      if (parent && span.durationMs >= options.wideShareOfParent * parent.durationMs) {
        const share = Math.round((100 * span.durationMs) / parent.durationMs);
        found.push(
          occurrenceOn(trace, span, {
            signature: 'seq-scan',
            evidence: `${duration} (${share}% of ${parent.name}), no plan event: a suspected scan`,
            measure: span.durationMs,
          }),
        );
      }
    }
  }
  return found;
}
