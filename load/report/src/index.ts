/**
 * The trace report: which operations make checkouts slow, and which pathology's signature their traces
 * show, read from Jaeger or from a file. `pnpm report` (load/tools), the lab console and the lab's
 * exercises use it. Span-level measurements for tests: `@tracecart/report/trace-measures`.
 */
export { analyse, analysisDefaults, type Analysis, type AnalysisOptions, type Culprit } from './analysis';
export { analyseTrace, isSkipped, type AnalysedTrace } from './analysed-trace';
export { assertAnalysis, compareAnalyses, type Comparison } from './compare';
export { renderAnalysis, renderComparison } from './render';
export { fetchCheckoutSpans } from './source';
export { readSpansFromFile } from './trace-file';
export { parseTime, parseWindow } from './time-window';
export { percentile, round } from './stats';
export type { Finding } from './findings';
export type { RankedOperation } from './ranking';
