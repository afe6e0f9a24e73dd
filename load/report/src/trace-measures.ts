/**
 * The span-level measurements the report's detectors make (a connection wait, a staircase's overlap,
 * a query's plan, an event loop's gap), for tests that check the stack's traces show each pathology.
 */
export { connectWaitMs, queryAfter } from './detectors/pool-wait';
export { overlappingSteps } from './detectors/n-plus-one';
export { planOf } from './detectors/seq-scan';
export { longestGap, reportedLoopDelayMs, LOOP_DELAY_ATTRIBUTE } from './detectors/loop-block';
export { isQuerySpan, statementOf } from './statement';
