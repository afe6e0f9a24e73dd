/** The load package as a library, for the end-to-end tests and the lab console: the generator, the burst driver, the lab's choices. The report is @tracecart/report. */
export { runCheckoutBurst, traceIdsOf, type BurstOptions, type BurstResult } from './burst/checkout-burst';
export { checkoutTraceComplete, waitForCheckoutTraces } from './burst/collect';
// The lab console (load/console) runs the same generator in its server.
export { LoadRun } from './load/generator';
export { DEFAULT_OPTIONS, checkOptions, type LoadOptions } from './load/options';
export type { LoadSummary } from './load/summary';
export type { ProgressSnapshot } from './load/progress';
export { CatalogError } from './load/catalog';
export { chooseHidden, type HiddenChoice, type Level } from './lab/choice';
export { hintSequence } from './lab/hints';
// The e2e suite's smoke test of `pnpm bench --quick` reads its JSON.
export type { BenchResult } from './bench/bench';
