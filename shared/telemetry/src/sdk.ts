/**
 * The one OpenTelemetry set-up for every Tracecart service. `register.ts` calls `startTelemetry()`
 * from a `--require` preload, before express, pg or amqplib are loaded, so their patches take.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { serviceInstanceId } from '@tracecart/config';
import { tracecartInstrumentations } from './instrumentations';
import { REMOTE_SAMPLER_NAME, createRemoteSampler } from './remote-sampler';
import { CountingExporter, SpanCounter } from './span-counter';
import { SpanLabelProcessor } from './span-labels';

export interface TelemetryOptions {
  /** Defaults to OTEL_SERVICE_NAME. */
  serviceName?: string;
  /** Replaces the OTLP exporter, e.g. with an in-memory one in unit tests. */
  exporter?: SpanExporter;
  /** Export each span at once instead of in batches (tests). */
  simple?: boolean;
}

export interface Telemetry {
  sdk: NodeSDK;
  spans: SpanCounter;
  exporter: CountingExporter;
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

/**
 * `service.instance.id` on the resource, from SERVICE_INSTANCE_ID (default: host name and replica slot),
 * through the standard OTEL_RESOURCE_ATTRIBUTES the SDK's env detector reads; an id given there wins.
 */
function defaultInstanceId(env: NodeJS.ProcessEnv): void {
  const given = env.OTEL_RESOURCE_ATTRIBUTES ?? '';
  if (/(^|,)\s*service\.instance\.id\s*=/.test(given)) return;
  const attribute = `service.instance.id=${encodeURIComponent(serviceInstanceId(env))}`;
  env.OTEL_RESOURCE_ATTRIBUTES = given.trim() ? `${given},${attribute}` : attribute;
}

/** Only Jaeger listens: metrics and logs go nowhere unless someone configures an exporter for them. */
function defaultQuietSignals(env: NodeJS.ProcessEnv): void {
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
}

/**
 * OTLP over HTTP, protobuf by default: Jaeger, which shares the machine, decodes it for a quarter of the
 * CPU JSON costs it (BENCHMARKS.md). OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json switches back.
 */
function otlpExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  return protocol === 'http/json' ? new OTLPJsonTraceExporter() : new OTLPProtoTraceExporter();
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/**
 * Batch settings, overridable with the standard OTEL_BSP_* variables. The queue holds seconds of spans at
 * the stack's top rate, so a slow export delays spans instead of dropping them; batches stay at 512
 * because a batch is serialised in one go on the event loop (BENCHMARKS.md, changes 8 and 9).
 */
export function batchSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    maxQueueSize: positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE, 32_768),
    maxExportBatchSize: positiveInt(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
    scheduledDelayMillis: positiveInt(env.OTEL_BSP_SCHEDULE_DELAY, 1_000),
    exportTimeoutMillis: positiveInt(env.OTEL_BSP_EXPORT_TIMEOUT, 30_000),
  };
}

export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  if (active) return active;
  defaultQuietSignals(process.env);
  defaultInstanceId(process.env);
  const exporter = new CountingExporter(options.exporter ?? otlpExporter(process.env));
  const spans = new SpanCounter();
  const processors: SpanProcessor[] = [
    new SpanLabelProcessor(),
    spans,
    options.simple ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter, ...batchSettings() }),
  ];
  // Every other OTEL_TRACES_SAMPLER value is sdk-node's to parse; this one it does not know.
  const remote =
    (process.env.OTEL_TRACES_SAMPLER ?? '').trim() === REMOTE_SAMPLER_NAME && !sdkDisabled()
      ? createRemoteSampler(options.serviceName ?? process.env.OTEL_SERVICE_NAME)
      : undefined;
  // Fetch the strategy now rather than after the first polling interval (a failure keeps the initial rate).
  void remote?.refresh().catch(() => undefined);
  const sdk = new NodeSDK({
    ...(options.serviceName ? { serviceName: options.serviceName } : {}),
    ...(remote ? { sampler: remote.sampler } : {}),
    spanProcessors: processors,
    // Trace context only: baggage arriving from outside is not trusted, so it is not even read.
    textMapPropagator: new W3CTraceContextPropagator(),
    // Instrumentations patch their modules as soon as they are constructed, even when the SDK then refuses
    // to start: with OTEL_SDK_DISABLED they are not constructed at all, so "untraced" means no patches.
    instrumentations: sdkDisabled() ? [] : [tracecartInstrumentations()],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  active = {
    sdk,
    spans,
    exporter,
    shutdown: () => {
      remote?.stop();
      return (stopped ??= sdk.shutdown());
    },
  };
  return active;
}

/** Flushes every buffered span and stops the SDK; safe to call more than once, or with none started. */
export async function shutdownTelemetry(): Promise<void> {
  await active?.shutdown();
}

export interface SpanCounts {
  /** Spans started and ended (sampled) in this process since start. */
  started: number;
  ended: number;
  /** Ended spans that began a trace (no parent), in all and by span name. */
  roots: number;
  rootNames: Record<string, number>;
  /** Spans the exporter delivered, and spans whose export failed. */
  exported: number;
  failed: number;
  /** False when the SDK is disabled (OTEL_SDK_DISABLED): nothing is recorded. */
  enabled: boolean;
}

/** Span counts of this process, for the span-loss benchmark (`GET /internal/telemetry`). */
export function spanCounts(): SpanCounts {
  if (!active) return { started: 0, ended: 0, roots: 0, rootNames: {}, exported: 0, failed: 0, enabled: false };
  return { ...active.spans.counts(), ...active.exporter.counts(), enabled: !sdkDisabled() };
}

function sdkDisabled(): boolean {
  return ['true', '1'].includes((process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase());
}
