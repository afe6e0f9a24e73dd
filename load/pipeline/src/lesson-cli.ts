/**
 * `pnpm --filter @tracecart/pipeline-lab lesson`: why tail sampling needs every span of a trace in one place
 * (docs/tracing-pipeline.md). Starts two real Jaeger tail samplers (load/pipeline/lesson-sampler.yaml with the
 * stack's tail policies, jaeger/sampling-tail.yaml) and sends them the same kind of synthetic checkout traces
 * twice: three "services" each export their spans of a trace in a request of their own, a few hundred ms
 * apart, and a share of the traces has an ERROR span on the payment service only.
 *   round robin:  request after request to the next sampler (a load balancer in front of two samplers);
 *   by trace id:  every request of a trace to the sampler its trace id picks (what Kafka's partitions do).
 * For each it prints the stored traces, the broken ones (a service's spans missing) and the error traces
 * wrongly dropped or kept in part. Needs the Jaeger binary the stack builds; uses ports 4351/4352, 16691/16692,
 * 16681/16682 and 13161/13162 shifted by STACK_PORT_OFFSET, and stops its samplers at the end.
 *   --traces 300  --error-share 0.1  --percent 10 (the probabilistic share)  --decision-wait 5
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JaegerClient } from '@tracecart/jaeger-client';
import { repoRoot } from './stack-processes';

const services = ['order-service', 'payment-service', 'shipping-service'] as const;
const SPANS_PER_SERVICE = 2;

function jaegerBinary(): string {
  const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tracecart');
  const dirs = existsSync(cache) ? readdirSync(cache).filter((name) => name.startsWith('jaeger-')) : [];
  const found = dirs.map((dir) => path.join(cache, dir, 'jaeger')).find((file) => existsSync(file));
  if (!found) throw new Error(`no Jaeger binary in ${cache}: run ./scripts/stack up once (it builds Jaeger)`);
  return found;
}

interface Sampler {
  process: ChildProcess;
  otlp: string;
  query: JaegerClient;
}

async function startSampler(index: number, offset: number, env: Record<string, string>): Promise<Sampler> {
  const ports = {
    LESSON_OTLP_PORT: 4351 + index,
    LESSON_QUERY_PORT: 16691 + index,
    LESSON_GRPC_PORT: 16681 + index,
    LESSON_HEALTH_PORT: 13161 + index,
  };
  const shifted = Object.fromEntries(Object.entries(ports).map(([key, port]) => [key, String(port + offset)]));
  const child = spawn(
    jaegerBinary(),
    ['--config', path.join(repoRoot, 'load/pipeline/lesson-sampler.yaml'), '--config', path.join(repoRoot, 'jaeger/sampling-tail.yaml')],
    {
      env: { ...process.env, ...env, ...shifted },
      stdio: 'ignore',
    },
  );
  const health = `http://127.0.0.1:${shifted.LESSON_HEALTH_PORT}/status`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sampler ${index + 1} exited (${child.exitCode})`);
    const ok = await fetch(health).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`sampler ${index + 1} not healthy after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return {
    process: child,
    otlp: `http://127.0.0.1:${shifted.LESSON_OTLP_PORT}/v1/traces`,
    query: new JaegerClient(`http://127.0.0.1:${shifted.LESSON_QUERY_PORT}`),
  };
}

interface SyntheticTrace {
  traceId: string;
  hasError: boolean;
}

/** One service's spans of a trace as one OTLP/HTTP JSON request body. */
function serviceRequest(trace: SyntheticTrace, service: (typeof services)[number], startMs: number): unknown {
  const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
  const spans = Array.from({ length: SPANS_PER_SERVICE }, (_, index) => ({
    traceId: trace.traceId,
    spanId: randomBytes(8).toString('hex'),
    name: `${service} step ${index + 1}`,
    kind: index === 0 ? 2 : 1,
    startTimeUnixNano: nanos(startMs + index * 5),
    endTimeUnixNano: nanos(startMs + index * 5 + 20),
    status: trace.hasError && service === 'payment-service' && index === 0 ? { code: 2, message: 'card declined' } : {},
  }));
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'pipeline-lesson' }, spans }],
      },
    ],
  };
}

async function send(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

export interface LessonFigures {
  routing: string;
  traces: number;
  errorTraces: number;
  stored: number;
  broken: number;
  brokenSharePercent: number;
  errorsDroppedOrPartial: number;
}

async function runRouting(
  routing: 'round robin' | 'by trace id',
  samplers: Sampler[],
  count: number,
  errorShare: number,
  decisionWaitS: number,
): Promise<LessonFigures> {
  const traces: SyntheticTrace[] = Array.from({ length: count }, (_, index) => ({
    traceId: randomBytes(16).toString('hex'),
    hasError: (index * errorShare) % 1 >= 1 - errorShare,
  }));
  let next = 0;
  const target = (trace: SyntheticTrace) => {
    if (routing === 'by trace id') return samplers[parseInt(trace.traceId.slice(-8), 16) % samplers.length] as Sampler;
    next = (next + 1) % samplers.length;
    return samplers[next] as Sampler;
  };
  // Traces overlap as in a shop: each service's request of a trace leaves 100-300 ms after the previous
  // service's (exports are batched per service on their own timers: irregular, as in the stack).
  const sends: Array<Promise<void>> = [];
  for (const trace of traces) {
    const startMs = Date.now();
    let delay = 0;
    for (const service of services) {
      const at = delay;
      sends.push(
        new Promise<void>((resolve) => setTimeout(resolve, at)).then(() =>
          send(target(trace).otlp, serviceRequest(trace, service, startMs + at)),
        ),
      );
      delay += 100 + Math.floor(Math.random() * 200);
    }
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.floor(Math.random() * 20)));
  }
  await Promise.all(sends);
  await new Promise((resolve) => setTimeout(resolve, (decisionWaitS + 4) * 1_000));
  let stored = 0;
  let broken = 0;
  let errorsDroppedOrPartial = 0;
  for (const trace of traces) {
    const spans = (await Promise.all(samplers.map((sampler) => sampler.query.trace(trace.traceId)))).flat();
    const whole = spans.length === services.length * SPANS_PER_SERVICE;
    if (spans.length > 0) stored += 1;
    if (spans.length > 0 && !whole) broken += 1;
    if (trace.hasError && !whole) errorsDroppedOrPartial += 1;
  }
  return {
    routing,
    traces: count,
    errorTraces: traces.filter((trace) => trace.hasError).length,
    stored,
    broken,
    brokenSharePercent: stored === 0 ? 0 : Number(((100 * broken) / stored).toFixed(1)),
    errorsDroppedOrPartial,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      traces: { type: 'string', default: '300' },
      'error-share': { type: 'string', default: '0.1' },
      percent: { type: 'string', default: '10' },
      'decision-wait': { type: 'string', default: '5' },
    },
  });
  const decisionWaitS = Number(values['decision-wait']);
  const env = {
    TAIL_SAMPLING_PERCENT: values.percent,
    TAIL_SAMPLING_LATENCY_MS: '60000',
    TAIL_SAMPLING_DECISION_WAIT: `${decisionWaitS}s`,
  };
  const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
  console.log(
    `two tail samplers (errors kept, ${values.percent} % of the rest by trace id), ${values.traces} traces each run; load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  const results: LessonFigures[] = [];
  for (const routing of ['round robin', 'by trace id'] as const) {
    // Fresh samplers per run: nothing decided earlier carries over.
    const samplers = [await startSampler(0, offset, env), await startSampler(1, offset, env)];
    try {
      results.push(await runRouting(routing, samplers, Number(values.traces), Number(values['error-share']), decisionWaitS));
    } finally {
      for (const sampler of samplers) sampler.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  for (const figures of results) {
    console.log(
      `${figures.routing.padEnd(12)}: stored ${figures.stored} of ${figures.traces}, broken ${figures.broken} (${figures.brokenSharePercent} % of stored), error traces dropped or kept in part ${figures.errorsDroppedOrPartial} of ${figures.errorTraces}`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
