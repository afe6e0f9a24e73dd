/**
 * `OTEL_TRACES_SAMPLER=parentbased_jaeger_remote`: the sampler polls Jaeger's remote_sampling extension
 * (strategies per service and per operation, jaeger/sampling-strategies.json) and applies what it gets,
 * without a restart. sdk-node's environment parser does not know this value, so the bootstrap builds the
 * sampler here with @opentelemetry/sampler-jaeger-remote.
 *
 * OTEL_TRACES_SAMPLER_ARG, as the OpenTelemetry spec names the keys (all optional):
 *   endpoint=http://localhost:5778,pollingIntervalMs=10000,initialSamplingRate=1
 * endpoint defaults to JAEGER_SAMPLING_URL, else http://localhost:5778; initialSamplingRate (used until the
 * first answer) defaults to 1, because the lab wants every trace until Jaeger says otherwise.
 *
 * The package works with our @opentelemetry/sdk-trace 3.x and the workspace's one @opentelemetry/api (it
 * declares the api as a peer; its own sdk-trace 2.x only builds the ratio samplers, which the 3.x tracer
 * calls through the plain Sampler interface). Two gaps need the small adapter below, which keeps the
 * package's logic (fetch, per-operation sampler, parent-based wrapping) as it is:
 *   1. Jaeger v2 answers `"strategyType": 0` (the protobuf enum as a number) where the package compares
 *      with the string "PROBABILISTIC": a service without per-operation strategies would keep its initial
 *      sampler forever. The adapter turns the numbers into the names before the package reads them.
 *   2. The package polls with a setInterval it never clears nor unrefs: the timer is caught at
 *      construction, unref'd (it does not keep a process alive) and cleared on shutdown.
 */
import { JaegerRemoteSampler } from '@opentelemetry/sampler-jaeger-remote';
import { ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';

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

/** Jaeger v2's numeric strategyType (protobuf enum) as the names the package compares with. */
const strategyTypeNames: Record<number, string> = { 0: 'PROBABILISTIC', 1: 'RATELIMITING' };

export function normaliseStrategyResponse<T extends { strategyType?: unknown }>(response: T): T {
  const type = response.strategyType;
  if (typeof type === 'number' && type in strategyTypeNames) return { ...response, strategyType: strategyTypeNames[type] };
  return response;
}

export interface RemoteSampler {
  sampler: Sampler;
  settings: RemoteSamplerSettings;
  /** Polls Jaeger now instead of waiting for the interval (tests); rejects when Jaeger does not answer. */
  refresh(): Promise<void>;
  stop(): void;
}

type PackageInternals = {
  getSamplerConfig(serviceName?: string): Promise<{ strategyType?: unknown }>;
  getAndUpdateSampler(): Promise<void>;
};

export function createRemoteSampler(serviceName: string | undefined, env: NodeJS.ProcessEnv = process.env): RemoteSampler {
  const settings = remoteSamplerSettings(env);
  const timers: NodeJS.Timeout[] = [];
  const realSetInterval = globalThis.setInterval;
  let sampler: JaegerRemoteSampler;
  // Gap 2: catch the package's polling timer while it is constructed.
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args);
    timers.push(timer);
    return timer;
  });
  try {
    sampler = new JaegerRemoteSampler({
      endpoint: settings.endpoint,
      ...(serviceName ? { serviceName } : {}),
      poolingInterval: settings.pollingIntervalMs,
      initialSampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.initialSamplingRate) }),
    });
  } finally {
    globalThis.setInterval = realSetInterval;
  }
  for (const timer of timers) timer.unref();
  // Gap 1: normalise Jaeger v2's answer before the package converts it into a sampler.
  const internals = sampler as unknown as PackageInternals;
  const fetchConfig = internals.getSamplerConfig.bind(sampler);
  internals.getSamplerConfig = async (name) => normaliseStrategyResponse(await fetchConfig(name));
  return {
    sampler,
    settings,
    refresh: () => internals.getAndUpdateSampler(),
    stop: () => timers.forEach((timer) => clearInterval(timer)),
  };
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
