export { startTelemetry, shutdownTelemetry, spanCounts, type SpanCounts, type Telemetry, type TelemetryOptions } from './sdk';
export { addDbQueryListener, type DbQuery, type DbQueryListener } from './db-hooks';
export { enabledInstrumentations, isProbeRequest } from './instrumentations';
export { tracer, inSpan, recordFailure, serverSpan, annotate, traceResponseHeader, currentTraceId } from './spans';
export { SpanCounter, CountingExporter } from './span-counter';
export { summarizeQuery, type QuerySummary } from './query-summary';
export { withUrlTemplate, ATTR_URL_TEMPLATE } from './url-template';
