/**
 * `pnpm --filter @tracecart/pipeline-lab capacity`: how many spans a second the running stack's trace
 * backend keeps with 0 loss (docs/tracing-pipeline.md, "Capacity"). The OpenTelemetry Collector's
 * `telemetrygen` (built with Go on first use, cached in ~/.cache/tracecart) sends synthetic traces to the
 * stack's OTLP/HTTP port at rising rates, each step under a service name of its own; after a step the tool
 * waits for the consumer lag to drain (pipeline mode), reads the step's spans back through the query API and
 * prints sent, stored, lost, the lag, and each process's CPU (share of one core). The knee is the last rate
 * with 0 loss whose lag drained within --drain-seconds. Works against either mode of `./scripts/stack up`.
 *   --rates 250,500,1000,2000,3000  spans per second of each step     --step-seconds 15
 *   --children 9  child spans per trace (10 spans a trace)            --drain-seconds 60
 *   --workers N   telemetrygen workers, the step's rate split between them (default: one per
 *                 1,500 spans/s: one worker generated at most ~1,900 spans/s here, below the knee)
 */
import { mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JaegerClient } from '@tracecart/jaeger-client';
import { cpuShares, currentMode, kafkaLag, run, snapshotCpu, stackProcesses } from './stack-processes';

// The module proxy serves only a few telemetrygen versions (it refused v0.140.1, the contrib version Jaeger pins).
const TELEMETRYGEN_VERSION = 'v0.161.0';
/** Spans a second given to one telemetrygen worker: one generated at most ~1,900 here. */
const SPANS_PER_WORKER = 1_500;

/** telemetrygen from the Go module proxy, built once into ~/.cache/tracecart/telemetrygen-<version>. */
export async function ensureTelemetrygen(): Promise<string> {
  const dir = path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'tracecart',
    `telemetrygen-${TELEMETRYGEN_VERSION}`,
  );
  const binary = path.join(dir, 'telemetrygen');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  console.error(`building telemetrygen ${TELEMETRYGEN_VERSION} with Go into ${dir} (first run only)`);
  await run(
    'go',
    ['install', `github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@${TELEMETRYGEN_VERSION}`],
    { ...process.env, GOBIN: dir },
    1_800_000,
  );
  return binary;
}

export interface Step {
  spansPerSecond: number;
  /** telemetrygen workers that shared the step's rate. */
  workers: number;
  /** What the generator managed (below the target when it, or the machine, could not keep up). */
  achievedPerSecond: number;
  sent: number;
  stored: number;
  lost: number;
  lagAfter: number | undefined;
  drainedSeconds: number | undefined;
  cpu: Array<{ name: string; percentOfCore: number }>;
}

/** The stack's STACK_PORT_OFFSET (the URLs above default to the stack's ports shifted by it). */
const portOffset = () => Number(process.env.STACK_PORT_OFFSET ?? 0);

async function drain(limitSeconds: number): Promise<{ lag: number | undefined; seconds: number | undefined }> {
  if (currentMode() !== 'kafka') return { lag: undefined, seconds: 0 };
  const started = Date.now();
  let lag = await kafkaLag();
  while (lag !== 0 && Date.now() - started < limitSeconds * 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    lag = await kafkaLag();
  }
  return { lag, seconds: lag === 0 ? (Date.now() - started) / 1_000 : undefined };
}

/**
 * Spans of `service` the query API returns. The search depth counts what the backend indexes: the
 * Cassandra reader applies it to its index rows, one per span, so a depth of N traces found about
 * N / spans-per-trace of them; the single Jaeger's memory store counts traces, and refuses a depth at or
 * above its max_traces (JAEGER_MAX_TRACES, 50,000).
 */
async function storedSpans(jaeger: JaegerClient, service: string, since: Date, spans: number, spansPerTrace: number): Promise<number> {
  const maxTraces = Number(process.env.JAEGER_MAX_TRACES ?? 50_000);
  const limit = currentMode() === 'kafka' ? spans + 1_000 : Math.min(Math.ceil(spans / spansPerTrace) + 100, maxTraces - 1);
  const found = await jaeger.search({ service, since, until: new Date(), limit });
  return found.length;
}

async function runStep(
  binary: string,
  jaeger: JaegerClient,
  spansPerSecond: number,
  options: { stepSeconds: number; children: number; drainSeconds: number; workers?: number },
): Promise<Step> {
  const workers = options.workers ?? Math.max(1, Math.ceil(spansPerSecond / SPANS_PER_WORKER));
  const spansPerTrace = options.children + 1;
  // telemetrygen's --rate limits spans (every span of a trace counts), not traces.
  const tracesPerSecond = spansPerSecond / spansPerTrace;
  const service = `capacity-${Date.now()}-${spansPerSecond}`;
  const endpoint = new URL(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? `http://localhost:${4318 + portOffset()}`);
  const since = new Date(Date.now() - 5_000);
  const processes = stackProcesses();
  const cpuBefore = snapshotCpu(processes);
  const started = Date.now();
  const { stdout, stderr } = await run(binary, [
    'traces',
    '--otlp-http',
    '--otlp-insecure',
    '--otlp-endpoint',
    endpoint.host,
    '--service',
    service,
    // telemetrygen's --rate is each worker's.
    '--rate',
    String(spansPerSecond / workers),
    '--workers',
    String(workers),
    '--child-spans',
    String(options.children),
    '--duration',
    `${options.stepSeconds}s`,
  ]);
  const wall = (Date.now() - started) / 1_000;
  const cpu = cpuShares(cpuBefore, snapshotCpu(processes), wall);
  // Each worker logs its own count ("traces generated" {"worker": N, "traces": M}): the step sent their sum.
  const counts = [...`${stdout}${stderr}`.matchAll(/"traces":\s*(\d+)/g)].map((match) => Number(match[1]));
  const traces = counts.length > 0 ? counts.reduce((sum, count) => sum + count, 0) : Math.round(tracesPerSecond * options.stepSeconds);
  const sent = traces * spansPerTrace;
  const { lag, seconds } = await drain(options.drainSeconds);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const stored = await storedSpans(jaeger, service, since, sent, spansPerTrace);
  return {
    spansPerSecond,
    workers,
    achievedPerSecond: Math.round(sent / wall),
    sent,
    stored,
    lost: Math.max(0, sent - stored),
    lagAfter: lag,
    drainedSeconds: seconds,
    cpu,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '250,500,1000,2000,3000' },
      'step-seconds': { type: 'string', default: '15' },
      children: { type: 'string', default: '9' },
      'drain-seconds': { type: 'string', default: '60' },
      workers: { type: 'string' },
    },
  });
  const rates = values.rates.split(',').map(Number);
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0))
    throw new Error(`--rates ${values.rates}: positive numbers, comma-separated`);
  const options = {
    stepSeconds: Number(values['step-seconds']),
    children: Number(values.children),
    drainSeconds: Number(values['drain-seconds']),
    workers: values.workers === undefined ? undefined : Number(values.workers),
  };
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers > 0))
    throw new Error(`--workers ${values.workers}: a positive whole number`);
  const binary = await ensureTelemetrygen();
  const jaeger = new JaegerClient(process.env.JAEGER_QUERY_URL ?? `http://localhost:${16686 + portOffset()}`, 180_000);
  const mode = currentMode();
  console.log(
    `capacity of the ${mode === 'kafka' ? 'Kafka pipeline' : 'single Jaeger'}; load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  let knee: Step | undefined;
  let failed = false;
  for (const rate of rates) {
    const step = await runStep(binary, jaeger, rate, options);
    const ok = step.lost === 0 && (mode !== 'kafka' || step.drainedSeconds !== undefined);
    const busiest = step.cpu
      .slice(0, 4)
      .map((one) => `${one.name} ${one.percentOfCore}%`)
      .join(', ');
    console.log(
      `${String(rate).padStart(6)} spans/s (${step.workers} worker${step.workers === 1 ? '' : 's'}, generated ${step.achievedPerSecond}/s): sent ${step.sent}, stored ${step.stored}, lost ${step.lost}${mode === 'kafka' ? `, lag drained ${step.drainedSeconds === undefined ? `NO (lag ${step.lagAfter})` : `in ${step.drainedSeconds.toFixed(0)} s`}` : ''}; CPU (of one core): ${busiest}`,
    );
    if (!ok) {
      failed = true;
      break;
    }
    knee = step;
  }
  if (!knee) console.log('no step passed: lower --rates');
  else if (failed)
    console.log(
      `knee: ${knee.spansPerSecond} spans/s with 0 loss (generated ${knee.achievedPerSecond}/s); the next step lost spans or did not drain`,
    );
  else
    console.log(
      `every step passed, up to ${knee.spansPerSecond} spans/s (generated ${knee.achievedPerSecond}/s): the knee is higher, raise --rates`,
    );
  console.log(
    `load average after: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
