/** The report as text for a terminal. */
import type { Analysis, Culprit } from './analysis';
import type { Comparison, LatencyChange, OperationChange } from './compare';
import type { Finding } from './findings';
import type { RankedOperation } from './ranking';
import type { Summary } from './stats';

/** Columns padded to their widest cell; columns listed in `right` are right-aligned. */
export function table(rows: readonly string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, index) => (right.has(index) ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd(),
  );
}

const ms = (value: number | undefined | null) => (value === undefined || value === null ? '–' : `${value.toFixed(1)} ms`);
const pct = (value: number | undefined | null) => (value === undefined || value === null ? '–' : `${value.toFixed(1)} %`);
const signed = (value: number | null) => (value === null ? '' : `${value > 0 ? '+' : ''}${value.toFixed(0)} %`);

function latencyLine(name: string, summary: Summary | null, note: string): string {
  if (!summary) return `${name}: no traces`;
  return `${name}: p50 ${ms(summary.p50)}, p95 ${ms(summary.p95)}, max ${ms(summary.max)} (${summary.count} traces${note})`;
}

function rankingTable(operations: readonly RankedOperation[], limit: number): string[] {
  const rows = [['#', 'service', 'operation', 'p50 share', 'p95 share', 'p50', 'p95', 'traces']];
  operations.slice(0, limit).forEach((operation, index) => {
    rows.push([
      String(index + 1),
      operation.service,
      operation.label,
      pct(operation.p50SharePct),
      pct(operation.p95SharePct),
      ms(operation.p50Ms),
      ms(operation.p95Ms),
      String(operation.traces),
    ]);
  });
  return table(rows, new Set([0, 3, 4, 5, 6, 7])).map((line) => `  ${line}`);
}

const pathNames = { http: 'HTTP critical path', shipped: 'checkout-to-shipped path' } as const;

function findingLines(finding: Finding, traceUrl: (id: string) => string): string[] {
  const where = `${finding.service} ${finding.label}${finding.parent ? ` (under ${finding.parent})` : ''}`;
  const match = finding.pathology ? `→ pathology ${finding.pathology}` : '→ no catalogued pathology';
  return [
    `  ${finding.significant ? '*' : '-'} ${finding.signature}: ${where}`,
    `      ${finding.tracesAffected}/${finding.tracesOnPath} traces, ${ms(finding.meanCostMs)} per checkout on average, ` +
      `${pct(finding.meanSharePct)} of the ${pathNames[finding.path]} (p95 ${pct(finding.p95SharePct)}) ${match}`,
    `      e.g. ${finding.evidence}`,
    `      ${traceUrl(finding.exampleTraceIds[0] ?? '')}`,
  ];
}

function culpritLines(culprit: Culprit | null, traceUrl: (id: string) => string): string[] {
  if (!culprit) return ['Top culprit: none (no traces)'];
  const lines = [
    `Top culprit: ${culprit.service} ${culprit.label}`,
    `  ${pct(culprit.p50SharePct)} of the ${pathNames[culprit.path]} at p50, ${pct(culprit.p95SharePct)} at p95` +
      (culprit.meanCostMs === null ? '' : `; ${ms(culprit.meanCostMs)} per checkout on average`),
  ];
  if (culprit.kind === 'critical-path') {
    lines.push(
      '  No pattern of the catalogue (N+1, pool wait, lock wait, sequential scan) is significant in these traces:',
      '  this is simply the largest share of the critical path.',
    );
    return lines;
  }
  lines.push(`  Pattern: ${culprit.signature} — ${culprit.evidence}`);
  const found = culprit.pathology;
  if (!found) {
    lines.push('  Pathology: none in the catalogue matches this pattern here.');
  } else {
    lines.push(
      `  Pathology: ${found.name} — ${found.title}`,
      `  What it is: ${found.cause}`,
      `  In Jaeger: ${found.inJaeger}`,
      `  Fix: ${found.fix}`,
      `  Fix command: ${found.fixCommand}`,
    );
  }
  lines.push(...culprit.exampleTraceIds.map((id) => `  Trace: ${traceUrl(id)}`));
  return lines;
}

export interface RenderOptions {
  /** Rows of each ranking to show. */
  top: number;
  /** Jaeger UI base URL for trace links. */
  jaegerUiUrl: string;
}

export function renderAnalysis(analysis: Analysis, options: RenderOptions): string {
  const traceUrl = (id: string) => (id ? `${options.jaegerUiUrl.replace(/\/$/, '')}/trace/${id}` : '');
  const { traces, source } = analysis;
  const from = source.file ? `file ${source.file}` : `Jaeger ${source.jaeger ?? ''}, ${source.since ?? '?'} → ${source.until ?? '?'}`;
  const statuses = Object.entries(traces.httpStatuses)
    .map(([status, count]) => `HTTP ${status}: ${count}`)
    .join(', ');
  const lines = [`Bottleneck report: ${traces.analysed} ${analysis.root.service} "${analysis.root.operation}" traces (${from})`];
  if (traces.skipped.length > 0)
    lines.push(`  ${traces.skipped.length} trace(s) skipped: ${traces.skipped[0]!.reason}${traces.skipped.length > 1 ? ', …' : ''}`);
  lines.push(
    latencyLine('Checkout latency', analysis.checkoutLatencyMs, statuses ? `; ${statuses}` : ''),
    latencyLine('Checkout-to-shipped', analysis.checkoutToShippedMs, ', asynchronous: root start → order marks the order SHIPPED'),
    '',
    'Critical path of the HTTP answer: share of each trace’s critical path (self time on the path), p50/p95 over traces',
    ...rankingTable(analysis.criticalPath, options.top),
  );
  if (analysis.shippedPath.length > 0) {
    lines.push(
      '',
      'Checkout-to-shipped path: the HTTP answer, the queue hops and the consumers’ critical paths',
      ...rankingTable(analysis.shippedPath, Math.min(options.top, 8)),
    );
  }
  const significant = analysis.findings.filter((finding) => finding.significant);
  const minor = analysis.findings.length - significant.length;
  lines.push('', `Patterns (* significant${minor > 0 ? `; ${minor} minor one(s) in --json` : ''}):`);
  if (significant.length === 0) lines.push('  none significant');
  for (const finding of significant) lines.push(...findingLines(finding, traceUrl));
  lines.push('', ...culpritLines(analysis.culprit, traceUrl));
  return `${lines.join('\n')}\n`;
}

function latencyRows(name: string, change: LatencyChange): string[][] {
  return [
    [name, 'p50', ms(change.before?.p50), ms(change.after?.p50), signed(change.p50ChangePct)],
    ['', 'p95', ms(change.before?.p95), ms(change.after?.p95), signed(change.p95ChangePct)],
  ];
}

function operationRows(changes: readonly OperationChange[]): string[][] {
  const rows = [['service', 'operation', 'share p50 before', 'after', 'p50 before', 'after', 'p95 before', 'after']];
  for (const change of changes) {
    rows.push([
      change.service,
      change.label,
      pct(change.before?.p50SharePct),
      pct(change.after?.p50SharePct),
      ms(change.before?.p50Ms),
      ms(change.after?.p50Ms),
      ms(change.before?.p95Ms),
      ms(change.after?.p95Ms),
    ]);
  }
  return rows;
}

export function renderComparison(comparison: Comparison): string {
  const names = (list: readonly string[]) => (list.length > 0 ? list.join(', ') : 'none');
  const lines = [
    `Before (report of ${comparison.beforeGeneratedAt}) → after (this report)`,
    ...table(
      [
        ['', '', 'before', 'after', 'change'],
        ...latencyRows('Checkout latency', comparison.checkoutLatencyMs),
        ...latencyRows('Checkout-to-shipped', comparison.checkoutToShippedMs),
      ],
      new Set([2, 3, 4]),
    ).map((line) => `  ${line}`),
    '',
    'HTTP critical path per operation',
    ...table(operationRows(comparison.criticalPath), new Set([2, 3, 4, 5, 6, 7])).map((line) => `  ${line}`),
    '',
    'Checkout-to-shipped path per operation',
    ...table(operationRows(comparison.shippedPath), new Set([2, 3, 4, 5, 6, 7])).map((line) => `  ${line}`),
    '',
    `Pathologies named: before ${names(comparison.pathologies.before)}; after ${names(comparison.pathologies.after)}`,
    `Top culprit: before ${comparison.culprit.before ?? 'none'}; after ${comparison.culprit.after ?? 'none'}`,
  ];
  return `${lines.join('\n')}\n`;
}
