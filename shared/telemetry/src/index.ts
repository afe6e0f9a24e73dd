export { startTelemetry, shutdownTelemetry, spanCounts, type SpanCounts, type Telemetry, type TelemetryOptions } from './sdk';
export { addDbQueryListener, type DbQuery, type DbQueryListener } from './db-hooks';
export { enabledInstrumentations, isProbeRequest } from './instrumentations';
export { tracer, inSpan, recordFailure, serverSpan, annotate, traceResponseHeader, currentTraceId } from './spans';
export { SpanCounter, CountingExporter } from './span-counter';
export { labelSpansOnStart, SpanLabelProcessor, type SpanLabeller } from './span-labels';
export {
  createRemoteSampler,
  remoteSamplerSettings,
  samplerForStrategy,
  isSamplingPoll,
  REMOTE_SAMPLER_NAME,
  type RemoteSampler,
} from './remote-sampler';
export { eventLoopDelay, eventLoopDelayAttributes, type EventLoopDelay } from './event-loop';
export { summarizeQuery, type QuerySummary } from './query-summary';
export { withUrlTemplate, ATTR_URL_TEMPLATE } from './url-template';
export {
  declareTraceEdge,
  applyTraceEdge,
  linkTraceEdgeCaller,
  ATTR_EDGE_POLICY,
  type TraceEdge,
  type TraceEdgePolicy,
  type EdgeRoute,
} from './edge-policy';
