/**
 * `OTEL_TRACES_SAMPLER=parentbased_jaeger_remote`: the sampler polls Jaeger's remote_sampling extension
 * (strategies per service and per operation, jaeger/sampling-strategies.json) and applies what it gets,
 * without a restart. sdk-node's environment parser does not know this value, so the bootstrap builds the
 * sampler here.
 *
 * OTEL_TRACES_SAMPLER_ARG, as the OpenTelemetry spec names the keys (all optional):
 *   endpoint=http://localhost:5778,pollingIntervalMs=10000,initialSamplingRate=1
 * endpoint defaults to JAEGER_SAMPLING_URL, else http://localhost:5778; initialSamplingRate (used until the
 * first answer) defaults to 1, because the lab wants every trace until Jaeger says otherwise.
 *
 * The sampler is ours, a small one on Jaeger's strategies endpoint (GET /sampling?service=<name>): the
 * published @opentelemetry/sampler-jaeger-remote starts a setInterval in its constructor that it never
 * stores, unrefs or clears (no option, no stop method), and it compares the strategy type with the name
 * "PROBABILISTIC" where Jaeger v2 answers the protobuf enum's number 0. Using it meant catching its timer
 * through globalThis and overriding a private method; this file's ~60 lines do the same job in the open.
 * Like the package, it applies probabilistic strategies, service-wide or per operation, parent-based;
 * any other strategy (rate limiting) keeps the sampler it had, with a diag warning.
 */
import { diag, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

export const REMOTE_SAMPLER_NAME = 'parentbased_jaeger_remote';

export interface RemoteSamplerSettings {
  endpoint: string;
  pollingIntervalMs: number;
  initialSamplingRate: number;
}

/** Reads OTEL_TRACES_SAMPLER_ARG ("key=value,key=value"); unknown keys and bad values fall back to defaults. */
export function remoteSamplerSettings(env: NodeJS.ProcessEnv = process.env): RemoteSamplerSettings {
  const args = new Map<string, string>();
  for (const pair of (env.OTEL_TRACES_SAMPLER_ARG ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) args.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  const interval = Number(args.get('pollingIntervalMs'));
  const rate = Number(args.get('initialSamplingRate'));
  return {
    endpoint: (args.get('endpoint') || env.JAEGER_SAMPLING_URL || 'http://localhost:5778').replace(/\/+$/, ''),
    pollingIntervalMs: Number.isInteger(interval) && interval >= 100 ? interval : 10_000,
    initialSamplingRate: args.has('initialSamplingRate') && rate >= 0 && rate <= 1 ? rate : 1,
  };
}

/** What Jaeger's strategies endpoint answers (api_v2 SamplingStrategyResponse as JSON). */
export interface StrategyResponse {
  /** Jaeger v2: the protobuf enum's number (0 probabilistic, 1 rate limiting); v1: its name. */
  strategyType?: number | string;
  probabilisticSampling?: { samplingRate?: number };
  operationSampling?: {
    defaultSamplingProbability?: number;
    perOperationStrategies?: Array<{ operation: string; probabilisticSampling?: { samplingRate?: number } }>;
  };
}

const isProbabilistic = (type: unknown) => type === 0 || type === 'PROBABILISTIC';

/** The parent-based sampler a strategies answer asks for; undefined for one we do not apply (rate limiting). */
export function samplerForStrategy(response: StrategyResponse): Sampler | undefined {
  const operations = response.operationSampling?.perOperationStrategies ?? [];
  if (response.operationSampling && operations.length > 0) {
    const fallback = new TraceIdRatioBasedSampler(response.operationSampling.defaultSamplingProbability ?? 1);
    const byName = new Map<string, Sampler>(
      operations.map((entry) => [entry.operation, new TraceIdRatioBasedSampler(entry.probabilisticSampling?.samplingRate ?? 1)]),
    );
    const perOperation: Sampler = {
      // The span's name at start is its operation (an HTTP server span's: the method; docs/sampling.md).
      shouldSample: (context, traceId, spanName, ...rest) =>
        (byName.get(spanName) ?? fallback).shouldSample(context, traceId, spanName, ...rest),
      toString: () => `PerOperationSampler{operations=${[...byName.keys()].join('|')}}`,
    };
    return new ParentBasedSampler({ root: perOperation });
  }
  const rate = response.probabilisticSampling?.samplingRate;
  if (isProbabilistic(response.strategyType) && typeof rate === 'number')
    return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(rate) });
  return undefined;
}

export interface RemoteSampler {
  sampler: Sampler;
  settings: RemoteSamplerSettings;
  /** Polls Jaeger now instead of waiting for the interval (tests); rejects when Jaeger does not answer. */
  refresh(): Promise<void>;
  stop(): void;
}

export function createRemoteSampler(serviceName: string | undefined, env: NodeJS.ProcessEnv = process.env): RemoteSampler {
  const settings = remoteSamplerSettings(env);
  const url = `${settings.endpoint}/sampling?service=${encodeURIComponent(serviceName ?? '')}`;
  let current: Sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.initialSamplingRate) });
  const sampler: Sampler = {
    shouldSample: (
      context: Context,
      traceId: string,
      spanName: string,
      spanKind: SpanKind,
      attributes: Attributes,
      links: Link[],
    ): SamplingResult => current.shouldSample(context, traceId, spanName, spanKind, attributes, links),
    toString: () => `JaegerRemoteSampler{endpoint=${settings.endpoint}, sampler=${current.toString()}}`,
  };
  const refresh = async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`sampling strategies: ${response.status} ${response.statusText}`);
    const strategy = (await response.json()) as StrategyResponse;
    const next = samplerForStrategy(strategy);
    if (next) current = next;
    else diag.warn(`remote sampler: strategy ${String(strategy.strategyType)} not supported; keeping ${current.toString()}`);
  };
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    refresh()
      .catch((error: unknown) => diag.warn('remote sampler: could not update the strategy', error))
      .finally(() => {
        polling = false;
      });
  }, settings.pollingIntervalMs);
  // Polling must not keep a process alive that has nothing else to do.
  timer.unref();
  return { sampler, settings, refresh, stop: () => clearInterval(timer) };
}

/** True for the sampler's own polls, which must not become traces (the undici instrumentation ignores them). */
export function isSamplingPoll(request: { origin: string; path: string }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!request.path.startsWith('/sampling')) return false;
  const endpoint = remoteSamplerSettings(env).endpoint;
  try {
    return new URL(endpoint).origin === new URL(request.origin).origin;
  } catch {
    return false;
  }
}
