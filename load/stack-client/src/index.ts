/** The lab's client of a running stack (tools and end-to-end tests alike). */
export { serviceNames, serviceUrls, type ServiceName, type ServiceUrls } from './services';
export {
  APPROVE_TOKEN,
  DECLINE_TOKEN,
  FRAUD_BURST_EVERY,
  SEEDED_CUSTOMERS,
  SEEDED_SKUS,
  isFraudBurstCustomer,
  nextSequence,
  seededCart,
  seededCustomer,
  type CheckoutBody,
  type SeededCartOptions,
} from './carts';
export { CliError } from './cli-error';
export { readStates, resolveName, setAllScenarios, switchScenario, switchScenarios, type ScenarioState } from './scenarios';
export { endExerciseMode, startExerciseMode } from './exercise-mode';
export { allSpanCounts, spanCounts, type SpanCounts } from './telemetry';
