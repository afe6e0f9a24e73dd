/** The load package as a library, for the end-to-end tests and the lab console: the generator, the report's analysis, the burst driver. */
export { analyse, analysisDefaults, type Analysis, type AnalysisOptions, type Culprit } from './report/analysis';
export { analyseTrace, isSkipped, type AnalysedTrace } from './report/analysed-trace';
export { compareAnalyses, type Comparison } from './report/compare';
export type { Finding } from './report/findings';
export type { RankedOperation } from './report/ranking';
export { connectWaitMs, queryAfter } from './report/detectors/pool-wait';
export { overlappingSteps } from './report/detectors/n-plus-one';
export { planOf } from './report/detectors/seq-scan';
export { longestGap, reportedLoopDelayMs, LOOP_DELAY_ATTRIBUTE } from './report/detectors/loop-block';
export { isQuerySpan, statementOf } from './report/statement';
export { percentile } from './report/stats';
export { runCheckoutBurst, traceIdsOf, type BurstOptions, type BurstResult } from './burst/checkout-burst';
export { checkoutTraceComplete, waitForCheckoutTraces } from './burst/collect';
// The lab console (load/console) runs the same generator and report in its server.
export { LoadRun } from './load/generator';
export { DEFAULT_OPTIONS, checkOptions, type LoadOptions } from './load/options';
export type { LoadSummary } from './load/summary';
export type { ProgressSnapshot } from './load/progress';
export { CatalogError } from './load/catalog';
export { fetchCheckoutSpans } from './report/source';
export { chooseHidden, type HiddenChoice, type Level } from './lab/choice';
export { hintSequence } from './lab/hints';
// The e2e suite's smoke test of `pnpm bench --quick` reads its JSON.
export type { BenchResult } from './bench/bench';
