/**
 * The bottleneck analysis of a set of checkout traces, as one JSON-ready document: latency, the ranking of
 * (service, operation) on the HTTP critical path and on checkout-to-shipped, the patterns found, and the
 * top culprit with its catalogued pathology. `analyse` is a plain function of the spans: the CLI feeds it
 * from Jaeger or a file, the tests from fixtures or the live stack.
 */
import { byTrace, type FlatSpan } from '@tracecart/jaeger-client';
import { fixCommand, pathology, type PathologyName, type Signature } from '@tracecart/lab-catalogue';
import { analyseTrace, isSkipped, type AnalysedTrace, type SkippedTrace } from './analysed-trace';
import { detectLockHolds, lockHoldDefaults, type LockHoldOptions } from './detectors/lock-hold';
import { detectLockWaits, lockWaitDefaults, type LockWaitOptions } from './detectors/lock-wait';
import { detectLoopBlocks, loopBlockDefaults, type LoopBlockOptions } from './detectors/loop-block';
import { detectNPlusOne, nPlusOneDefaults, type NPlusOneOptions } from './detectors/n-plus-one';
import { detectPoolWaits, poolWaitDefaults, type PoolWaitOptions } from './detectors/pool-wait';
import { detectSeqScans, seqScanDefaults, type SeqScanOptions } from './detectors/seq-scan';
import { buildFindings, significanceDefaults, type Finding, type PathName, type SignificanceOptions } from './findings';
import { rankOperations, type RankedOperation } from './ranking';
import { round, summarise, type Summary } from './stats';
import { checkoutRoot, type RootSelector } from './trace-tree';

export const ANALYSIS_VERSION = 1;

export interface AnalysisOptions {
  root: RootSelector;
  nPlusOne: NPlusOneOptions;
  poolWait: PoolWaitOptions;
  lockWait: LockWaitOptions;
  lockHold: LockHoldOptions;
  seqScan: SeqScanOptions;
  loopBlock: LoopBlockOptions;
  significance: SignificanceOptions;
}

export const analysisDefaults: AnalysisOptions = {
  root: checkoutRoot,
  nPlusOne: nPlusOneDefaults,
  poolWait: poolWaitDefaults,
  lockWait: lockWaitDefaults,
  lockHold: lockHoldDefaults,
  seqScan: seqScanDefaults,
  loopBlock: loopBlockDefaults,
  significance: significanceDefaults,
};

export interface AnalysisSource {
  /** Jaeger query URL, or null when the spans came from files. */
  jaeger: string | null;
  /** The file(s) the spans came from (comma-separated), or null. */
  file: string | null;
  since: string | null;
  until: string | null;
  limit: number | null;
}

export interface CulpritPathology {
  name: PathologyName;
  title: string;
  cause: string;
  inJaeger: string;
  fix: string;
  fixCommand: string;
}

export interface Culprit {
  /**
   * `pattern`: the significant finding with the largest mean share of the path it lengthens;
   * `critical-path`: no significant pattern, so the top of the HTTP critical-path ranking.
   */
  kind: 'pattern' | 'critical-path';
  service: string;
  operation: string;
  statement: string | undefined;
  label: string;
  path: PathName;
  signature: Signature | null;
  /** Its share of its path per trace. */
  p50SharePct: number;
  p95SharePct: number;
  meanCostMs: number | null;
  evidence: string | null;
  exampleTraceIds: string[];
  pathology: CulpritPathology | null;
}

export interface TraceSummary {
  traceId: string;
  startedAt: string;
  latencyMs: number;
  httpStatus: number | null;
  checkoutToShippedMs: number | null;
  /** The operation with the most time on this trace's HTTP critical path. */
  topOperation: string;
}

export interface Analysis {
  version: typeof ANALYSIS_VERSION;
  generatedAt: string;
  source: AnalysisSource;
  root: RootSelector;
  traces: {
    found: number;
    analysed: number;
    withShipment: number;
    skipped: SkippedTrace[];
    httpStatuses: Record<string, number>;
  };
  checkoutLatencyMs: Summary | null;
  checkoutToShippedMs: Summary | null;
  criticalPath: RankedOperation[];
  shippedPath: RankedOperation[];
  findings: Finding[];
  /** Catalogued pathologies with a significant finding, in the findings' order (largest share first). */
  pathologies: PathologyName[];
  culprit: Culprit | null;
  perTrace: TraceSummary[];
}

const emptySource: AnalysisSource = { jaeger: null, file: null, since: null, until: null, limit: null };

function roundSummary(summary: Summary | null): Summary | null {
  return (
    summary && {
      count: summary.count,
      p50: round(summary.p50),
      p95: round(summary.p95),
      max: round(summary.max),
      mean: round(summary.mean),
    }
  );
}

function culpritPathology(name: PathologyName | null): CulpritPathology | null {
  if (!name) return null;
  const { title, cause, inJaeger, fix } = pathology(name);
  return { name, title, cause, inJaeger, fix, fixCommand: fixCommand(name) };
}

export function chooseCulprit(findings: readonly Finding[], ranking: readonly RankedOperation[]): Culprit | null {
  const top = findings.find((finding) => finding.significant);
  if (top) {
    return {
      kind: 'pattern',
      service: top.service,
      operation: top.operation,
      statement: top.statement,
      label: top.label,
      path: top.path,
      signature: top.signature,
      p50SharePct: top.p50SharePct,
      p95SharePct: top.p95SharePct,
      meanCostMs: top.meanCostMs,
      evidence: top.evidence,
      exampleTraceIds: top.exampleTraceIds,
      pathology: culpritPathology(top.pathology),
    };
  }
  const first = ranking[0];
  if (!first) return null;
  return {
    kind: 'critical-path',
    service: first.service,
    operation: first.operation,
    statement: first.statement,
    label: first.label,
    path: 'http',
    signature: null,
    p50SharePct: first.p50SharePct,
    p95SharePct: first.p95SharePct,
    meanCostMs: null,
    evidence: null,
    exampleTraceIds: [],
    pathology: null,
  };
}

function topOperationOf(trace: AnalysedTrace): string {
  return rankOperations([trace.http])[0]?.label ?? '';
}

export function analyse(
  spans: readonly FlatSpan[],
  source: Partial<AnalysisSource> = {},
  options: AnalysisOptions = analysisDefaults,
): Analysis {
  const grouped = [...byTrace(spans).values()];
  const results = grouped.map((traceSpans) => analyseTrace(traceSpans, options.root));
  const traces = results.filter((result): result is AnalysedTrace => !isSkipped(result)).sort((a, b) => a.root.startMs - b.root.startMs);
  const skipped = results.filter(isSkipped);
  const shipped = traces.flatMap((trace) => (trace.shipped ? [trace.shipped] : []));
  const occurrences = [
    ...detectSeqScans(traces, options.seqScan),
    ...detectNPlusOne(traces, options.nPlusOne),
    ...detectPoolWaits(traces, options.poolWait),
    ...detectLockWaits(traces, options.lockWait),
    ...detectLockHolds(traces, options.lockHold),
    ...detectLoopBlocks(traces, options.loopBlock),
  ];
  const findings = buildFindings(traces, occurrences, options.significance);
  const criticalPath = rankOperations(traces.map((trace) => trace.http));
  const statuses: Record<string, number> = {};
  for (const trace of traces) {
    const key = String(trace.httpStatus ?? 'unknown');
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return {
    version: ANALYSIS_VERSION,
    generatedAt: new Date().toISOString(),
    source: { ...emptySource, ...source },
    root: options.root,
    traces: { found: grouped.length, analysed: traces.length, withShipment: shipped.length, skipped, httpStatuses: statuses },
    checkoutLatencyMs: roundSummary(summarise(traces.map((trace) => trace.latencyMs))),
    checkoutToShippedMs: roundSummary(summarise(shipped.map((path) => path.totalMs))),
    criticalPath,
    shippedPath: rankOperations(shipped),
    findings,
    pathologies: [...new Set(findings.flatMap((finding) => (finding.significant && finding.pathology ? [finding.pathology] : [])))],
    culprit: chooseCulprit(findings, criticalPath),
    perTrace: traces.map((trace) => ({
      traceId: trace.traceId,
      startedAt: new Date(trace.root.startMs).toISOString(),
      latencyMs: round(trace.latencyMs),
      httpStatus: trace.httpStatus ?? null,
      checkoutToShippedMs: trace.shipped ? round(trace.shipped.totalMs) : null,
      topOperation: topOperationOf(trace),
    })),
  };
}
