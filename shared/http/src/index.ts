export { createApp, type AppOptions, type ReadinessCheck } from './app';
export { HttpError, validationError, jsonErrorHandler, notFound, type DatabaseOutage } from './errors';
export {
  scenarioRoutes,
  requireToken,
  flagSwitch,
  sharedSwitch,
  switchKey,
  EXERCISE_KEY,
  type DecoySwitches,
  type ScenarioSwitch,
  type ScenarioSwitches,
  type StoredExercise,
  type SwitchStore,
} from './scenario-routes';
export { labelPathologySpans } from './scenario-labels';
export { listen, closeServer, shutdownOnSignals, type ShutdownStep } from './lifecycle';
export { identifier } from './identifier';
export { INTERNAL_TOKEN_HEADER, holdsInternalCredential, requireInternalCredential, loopbackOrInternalCredential } from './credentials';
