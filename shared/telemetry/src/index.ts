export { startTelemetry, shutdownTelemetry, spanCounts, type SpanCounts, type Telemetry, type TelemetryOptions } from './sdk';
export { addDbQueryListener, type DbQuery, type DbQueryListener } from './db-hooks';
export { enabledInstrumentations, isProbeRequest } from './instrumentations';
export { tracer, inSpan, recordFailure, serverSpan, annotate, traceResponseHeader, currentTraceId } from './spans';
export { SpanCounter, CountingExporter } from './span-counter';
export { createRemoteSampler, remoteSamplerSettings, normaliseStrategyResponse, isSamplingPoll, REMOTE_SAMPLER_NAME, type RemoteSampler } from './remote-sampler';
