/**
 * "What does tracing cost?" One run on the local stack, every pathology off:
 *  1. alternating rounds, traced then untraced (services restarted between modes): checkout throughput at
 *     saturation (closed loop) and latency at a fixed open-model rate (half the traced saturation rate);
 *  2. span loss: N checkouts at a fixed rate, traced; spans the services ended (our SpanCounter processor,
 *     GET /internal/telemetry) against spans Jaeger holds for the run's traces (/api/v3, by trace id);
 *  3. resident memory of each service, idle and under load; CPU per checkout of every stack component.
 */
import { loadConfig, type Config } from '@tracecart/config';
import { JaegerClient } from '@tracecart/jaeger-client';
import os from 'node:os';
import { cpuPerCheckout, cpuSnapshot, noisyOthersPct, stackShare, type Component } from './cpu';
import { closedLoop, openModel, type RunFigures } from './drivers';
import { allSpanCounts, serviceNames, serviceUrls, setAllScenarios, type ServiceName, type SpanCounts } from '@tracecart/stack-client';
import { round } from '../load/histogram';
import { countSpansInJaeger } from './jaeger-count';
import {
  loadAverage,
  machineFacts,
  restartJaeger,
  restartServices,
  partnerLatencies,
  rssMb,
  rssPeakSampler,
  servicesRss,
  type Mode,
} from './stack-control';

export interface BenchOptions {
  quick: boolean;
  /** Traced/untraced pairs. */
  rounds: number;
  concurrency: number;
  warmupS: number;
  saturationS: number;
  fixedRateS: number;
  /** Open-model rate for the latency runs; default half the first traced saturation throughput. */
  fixedRate?: number;
  lossCount: number;
  lossRate: number;
  skipLoss: boolean;
  /** Restart Jaeger before the span-loss run (empties its in-memory store). */
  freshJaeger: boolean;
  /** Leave the services as `stack up` starts them when done. */
  restore: boolean;
  /** Extra environment for the services (e.g. NODE_OPTIONS=--cpu-prof ...). */
  serviceEnv: Record<string, string>;
  log: (line: string) => void;
}

/**
 * Quick mode (the smoke test) keeps 8 workers: fewer than order's 10 pooled connections, so even a busy
 * machine does not push checkouts into pool timeouts whose PENDING orders the recovery sweeper would
 * finish 30 s later, in the middle of whatever test runs next.
 */
export function defaultOptions(quick: boolean): BenchOptions {
  return quick
    ? {
        quick,
        rounds: 1,
        concurrency: 8,
        warmupS: 1,
        saturationS: 3,
        fixedRateS: 2,
        lossCount: 200,
        lossRate: 50,
        skipLoss: false,
        freshJaeger: false,
        restore: true,
        serviceEnv: {},
        log: () => undefined,
      }
    : {
        quick,
        rounds: 2,
        concurrency: 48,
        warmupS: 3,
        saturationS: 20,
        fixedRateS: 20,
        lossCount: 10_000,
        lossRate: 200,
        skipLoss: false,
        freshJaeger: true,
        restore: true,
        serviceEnv: {},
        log: () => undefined,
      };
}

export interface ModeRun {
  round: number;
  mode: Mode;
  load_average_before: [number, number, number];
  load_average_after: [number, number, number];
  rss_mb_idle: Record<ServiceName, number>;
  rss_mb_peak: Record<ServiceName, number>;
  saturation: WithCpu;
  fixed_rate: WithCpu;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * Waits until every service has ended all the spans it started and the counts stay still for `quietMs`.
 * `settled` is false when the stack never went quiet (earlier work still draining, e.g. the recovery
 * sweeper finishing orders an overload left PENDING): spans of traces outside the run then fall into the
 * counted window and the comparison with Jaeger cannot be exact.
 */
async function settledCounts(
  config: Config,
  quietMs: number,
  timeoutMs = 120_000,
): Promise<{ counts: Record<ServiceName, SpanCounts>; settled: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let last = await allSpanCounts(serviceUrls(config), config.INTERNAL_TOKEN);
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await allSpanCounts(serviceUrls(config), config.INTERNAL_TOKEN);
    const changed = serviceNames.some((service) => now[service].ended !== last[service].ended);
    const open = serviceNames.some((service) => now[service].started !== now[service].ended);
    if (changed || open) stillSince = Date.now();
    last = now;
    if (Date.now() - stillSince >= quietMs) return { counts: now, settled: true };
  }
  return { counts: last, settled: false };
}

type WithCpu = RunFigures & { cpu_ms_per_checkout: Record<Component, number> } & ReturnType<typeof stackShare>;

function withCpu(run: RunFigures, perCheckout: Record<Component, number>): WithCpu {
  return {
    ...run,
    cpu_ms_per_checkout: perCheckout,
    ...stackShare(perCheckout, run.paid + run.declined, run.duration_s, os.cpus().length),
  };
}

async function enterMode(config: Config, mode: Mode, options: BenchOptions): Promise<void> {
  options.log(`restarting services ${mode}`);
  await restartServices(mode, options.serviceEnv);
  await setAllScenarios(serviceUrls(config), config.SCENARIO_TOKEN, false);
}

async function runMode(
  config: Config,
  round: number,
  mode: Mode,
  fixedRate: () => number | undefined,
  options: BenchOptions,
): Promise<ModeRun> {
  await enterMode(config, mode, options);
  // Warm the JIT and the pools, then let the stack go quiet before reading idle memory.
  await closedLoop({ orderUrl: config.ORDER_URL, concurrency: Math.min(8, options.concurrency), durationS: options.warmupS, warmupS: 0 });
  await sleep(options.quick ? 1_000 : 3_000);
  const rssIdle = await servicesRss();
  const loadBefore = loadAverage();
  options.log(
    `round ${round} ${mode}: saturation, closed loop x${options.concurrency} for ${options.saturationS}s (load ${loadBefore.join(' ')})`,
  );
  const sampler = rssPeakSampler();
  const cpuBefore = await cpuSnapshot();
  const saturation = await closedLoop({
    orderUrl: config.ORDER_URL,
    concurrency: options.concurrency,
    durationS: options.saturationS,
    warmupS: options.quick ? 0.5 : 2,
  });
  const cpuAfter = await cpuSnapshot();
  const saturationCpu = withCpu(saturation, cpuPerCheckout(cpuBefore, cpuAfter, saturation.paid + saturation.declined));
  options.log(
    `  ${saturation.checkouts_per_s}/s p50 ${saturation.latency.p50_ms} ms p99 ${saturation.latency.p99_ms} ms errors ${saturation.errors}; ` +
      `stack CPU ${saturationCpu.stack_cpu_ms_per_checkout} ms/checkout, other processes ${saturationCpu.others_cpu_pct} % of the machine`,
  );
  const rate = fixedRate() ?? Math.max(10, Math.round(saturation.checkouts_per_s / 2));
  await sleep(options.quick ? 500 : 2_000);
  options.log(`round ${round} ${mode}: fixed rate ${rate}/s for ${options.fixedRateS}s`);
  const cpuBeforeFixed = await cpuSnapshot();
  const fixedRun = await openModel({ orderUrl: config.ORDER_URL, rate, durationS: options.fixedRateS });
  const fixed = withCpu(fixedRun, cpuPerCheckout(cpuBeforeFixed, await cpuSnapshot(), fixedRun.paid + fixedRun.declined));
  options.log(
    `  p50 ${fixed.latency.p50_ms} ms p99 ${fixed.latency.p99_ms} ms errors ${fixed.errors}; other processes ${fixed.others_cpu_pct} % of the machine`,
  );
  const rssPeak = await sampler.stop();
  return {
    round,
    mode,
    load_average_before: loadBefore,
    load_average_after: loadAverage(),
    rss_mb_idle: rssIdle,
    rss_mb_peak: rssPeak,
    saturation: saturationCpu,
    fixed_rate: fixed,
  };
}

async function spanLoss(config: Config, options: BenchOptions, restartNeeded: boolean) {
  const jaeger = new JaegerClient(config.JAEGER_QUERY_URL, 15_000);
  if (options.freshJaeger) {
    options.log('restarting Jaeger (empty store)');
    await restartJaeger();
    restartNeeded = true;
  }
  if (restartNeeded) await enterMode(config, 'traced', options);
  await closedLoop({ orderUrl: config.ORDER_URL, concurrency: 4, durationS: options.quick ? 0.5 : 2, warmupS: 0 });
  const { counts: before, settled: settledBefore } = await settledCounts(config, 1_500);
  if (!settledBefore) options.log('  the stack did not go quiet before the run: span counts may include earlier work');
  const windowStart = new Date();
  const loadBefore = loadAverage();
  options.log(`span loss: ${options.lossCount} checkouts at ${options.lossRate}/s (load ${loadBefore.join(' ')})`);
  const traceIds = new Set<string>();
  let withoutTrace = 0;
  const sampler = rssPeakSampler();
  const jaegerRss = { peak: 0 };
  const jaegerTimer = setInterval(() => void rssMb('jaeger').then((mb) => (jaegerRss.peak = Math.max(jaegerRss.peak, mb ?? 0))), 500);
  const cpuBefore = await cpuSnapshot();
  const run = await openModel({
    orderUrl: config.ORDER_URL,
    rate: options.lossRate,
    count: options.lossCount,
    onResult: (result) => (result.traceId ? traceIds.add(result.traceId) : (withoutTrace += 1)),
  });
  const cpuAfter = await cpuSnapshot();
  clearInterval(jaegerTimer);
  const rssPeak = await sampler.stop();
  options.log(`  p50 ${run.latency.p50_ms} ms p99 ${run.latency.p99_ms} ms errors ${run.errors}; waiting for the last spans`);
  // Consumers finish after the HTTP answers; then the batch processors flush (1 s) and Jaeger batches (200 ms).
  const { counts: after, settled: settledAfter } = await settledCounts(config, 2_500);
  const windowEnd = new Date();
  await sleep(1_500);
  const delta = (key: 'started' | 'ended' | 'roots' | 'exported' | 'failed') =>
    Object.fromEntries(serviceNames.map((service) => [service, after[service][key] - before[service][key]])) as Record<ServiceName, number>;
  const emittedBy = delta('ended');
  const emitted = sum(Object.values(emittedBy));
  const serviceKey: Record<ServiceName, string> = { order: 'order-service', payment: 'payment-service', shipping: 'shipping-service' };
  // Traces the services began besides the checkouts (the recovery sweeper finishing an order a failed
  // checkout left PENDING, say) hold spans of this window too: find them in Jaeger by their root's name.
  const otherRoots: Array<{ service: ServiceName; name: string; count: number }> = [];
  for (const service of serviceNames) {
    for (const [name, count] of Object.entries(after[service].rootNames)) {
      const more = count - (before[service].rootNames[name] ?? 0) - (service === 'order' && name === 'POST /checkout' ? traceIds.size : 0);
      if (more !== 0) otherRoots.push({ service, name, count: more });
    }
  }
  const checkoutTraces = traceIds.size;
  for (const { service, name } of otherRoots) {
    if (service === 'order' && name === 'POST /checkout') continue;
    const found = await jaeger
      // Traces begun inside the counted window only: their roots are what the counts' delta saw.
      .search({ service: serviceKey[service], operation: name, since: windowStart, until: windowEnd, limit: 10_000 })
      .catch(() => []);
    for (const span of found) if (!span.parentSpanId) traceIds.add(span.traceId);
  }
  options.log(
    `  ${emitted} spans emitted; counting them in Jaeger over ${traceIds.size} traces (${traceIds.size - checkoutTraces} not checkouts)`,
  );
  const counted = await countSpansInJaeger(jaeger, [...traceIds], emitted, Object.values(serviceKey));
  options.log(`  ${counted.spans} spans in Jaeger (${counted.passes} passes)`);
  return {
    checkouts: options.lossCount,
    rate_per_s: options.lossRate,
    load_average_before: loadBefore,
    load_average_after: loadAverage(),
    run,
    answers_without_trace_id: withoutTrace,
    /** Whether the span counts stood still before and after the run (see settledCounts). */
    settled_before: settledBefore,
    settled_after: settledAfter,
    traces: traceIds.size,
    checkout_traces: checkoutTraces,
    traces_begun_by_services: sum(Object.values(delta('roots'))),
    other_traces_by_root: otherRoots,
    traces_found_in_jaeger: counted.tracesFound,
    spans_emitted: emitted,
    spans_in_jaeger: counted.spans,
    spans_lost: emitted - counted.spans,
    spans_per_trace: round(emitted / Math.max(1, traceIds.size), 2),
    by_service: Object.fromEntries(
      serviceNames.map((service) => [
        service,
        {
          emitted: emittedBy[service],
          exported: delta('exported')[service],
          export_failed: delta('failed')[service],
          in_jaeger: counted.byService[serviceKey[service]] ?? 0,
        },
      ]),
    ),
    rss_mb_peak: rssPeak,
    jaeger_rss_mb_peak: jaegerRss.peak,
    cpu_ms_per_checkout: cpuPerCheckout(cpuBefore, cpuAfter, run.paid + run.declined),
    ...stackShare(cpuPerCheckout(cpuBefore, cpuAfter, run.paid + run.declined), run.paid + run.declined, run.duration_s, os.cpus().length),
  };
}

function summariseModes(runs: ModeRun[]) {
  const of = (mode: Mode) => runs.filter((run) => run.mode === mode);
  const traced = of('traced');
  const untraced = of('untraced');
  const pick = (list: ModeRun[], value: (run: ModeRun) => number) => median(list.map(value));
  // A run during which other processes took more than noisyOthersPct of the machine is left out of the
  // medians (all of them kept when every run was noisy: the JSON then says so).
  const quiet = (list: ModeRun[], which: 'saturation' | 'fixed_rate') => {
    const kept = list.filter((run) => !run[which].noisy);
    return kept.length > 0 ? kept : list;
  };
  const throughput = (list: ModeRun[]) => pick(quiet(list, 'saturation'), (run) => run.saturation.checkouts_per_s);
  const p50 = (list: ModeRun[]) => pick(quiet(list, 'fixed_rate'), (run) => run.fixed_rate.latency.p50_ms);
  const leftOut = (which: 'saturation' | 'fixed_rate') => ({
    noisy: runs.filter((run) => run[which].noisy).length,
    left_out: traced.length + untraced.length - quiet(traced, which).length - quiet(untraced, which).length,
  });
  const pairs = traced.map((run) => ({ traced: run, untraced: untraced.find((other) => other.round === run.round) }));
  const cpu = (list: ModeRun[], which: 'saturation' | 'fixed_rate') => {
    const keys = Object.keys(list[0]?.[which].cpu_ms_per_checkout ?? {}) as Component[];
    return Object.fromEntries(
      keys.map((key) => [
        key,
        round(
          pick(quiet(list, which), (run) => run[which].cpu_ms_per_checkout[key]),
          3,
        ),
      ]),
    );
  };
  return {
    throughput_ratio: round(throughput(traced) / throughput(untraced), 3),
    p50_ratio: round(p50(traced) / p50(untraced), 3),
    checkouts_per_s_traced: round(throughput(traced), 1),
    checkouts_per_s_untraced: round(throughput(untraced), 1),
    fixed_rate_per_s: traced[0]?.fixed_rate.target_rate_per_s ?? 0,
    p50_ms_at_half_rate_traced: round(p50(traced)),
    p50_ms_at_half_rate_untraced: round(p50(untraced)),
    p99_ms_at_half_rate: round(pick(quiet(traced, 'fixed_rate'), (run) => run.fixed_rate.latency.p99_ms)),
    p99_ms_at_half_rate_untraced: round(pick(quiet(untraced, 'fixed_rate'), (run) => run.fixed_rate.latency.p99_ms)),
    p50_ms_at_saturation_traced: round(pick(quiet(traced, 'saturation'), (run) => run.saturation.latency.p50_ms)),
    p50_ms_at_saturation_untraced: round(pick(quiet(untraced, 'saturation'), (run) => run.saturation.latency.p50_ms)),
    noisy_runs: { threshold_others_cpu_pct: noisyOthersPct, saturation: leftOut('saturation'), fixed_rate: leftOut('fixed_rate') },
    per_round_ratios: pairs
      .filter((pair) => pair.untraced)
      .map(({ traced: on, untraced: off }) => ({
        round: on.round,
        throughput_ratio: round(on.saturation.checkouts_per_s / off!.saturation.checkouts_per_s, 3),
        p50_ratio: round(on.fixed_rate.latency.p50_ms / off!.fixed_rate.latency.p50_ms, 3),
        others_cpu_pct: {
          traced: [on.saturation.others_cpu_pct, on.fixed_rate.others_cpu_pct],
          untraced: [off!.saturation.others_cpu_pct, off!.fixed_rate.others_cpu_pct],
        },
      })),
    /**
     * Noise-proof view of the throughput ratio: the stack's own CPU per checkout at saturation, untraced
     * over traced. On a CPU-bound machine shared with nothing else, throughput follows it; unlike
     * checkouts/s it does not move when other processes take the cores.
     */
    stack_cpu_ms_per_checkout_at_saturation: {
      traced: round(pick(quiet(traced, 'saturation'), (run) => run.saturation.stack_cpu_ms_per_checkout)),
      untraced: round(pick(quiet(untraced, 'saturation'), (run) => run.saturation.stack_cpu_ms_per_checkout)),
    },
    cpu_throughput_ratio: round(
      pick(quiet(untraced, 'saturation'), (run) => run.saturation.stack_cpu_ms_per_checkout) /
        pick(quiet(traced, 'saturation'), (run) => run.saturation.stack_cpu_ms_per_checkout),
      3,
    ),
    load_generator_cpu_ms_per_checkout_at_saturation: {
      traced: round(
        pick(quiet(traced, 'saturation'), (run) => run.saturation.load_generator_cpu_ms_per_checkout),
        3,
      ),
      untraced: round(
        pick(quiet(untraced, 'saturation'), (run) => run.saturation.load_generator_cpu_ms_per_checkout),
        3,
      ),
    },
    cpu_ms_per_checkout_at_saturation: { traced: cpu(traced, 'saturation'), untraced: cpu(untraced, 'saturation') },
    cpu_ms_per_checkout_at_fixed_rate: { traced: cpu(traced, 'fixed_rate'), untraced: cpu(untraced, 'fixed_rate') },
    /** What tracing adds per checkout, component by component (traced minus untraced, at the fixed rate). */
    tracing_cpu_ms_per_checkout: (() => {
      const on = cpu(traced, 'fixed_rate');
      const off = cpu(untraced, 'fixed_rate');
      return Object.fromEntries(Object.keys(on).map((key) => [key, round((on[key] ?? 0) - (off[key] ?? 0), 3)]));
    })(),
  };
}

function rssSummary(runs: ModeRun[], loss?: { rss_mb_peak: Record<ServiceName, number> }) {
  const max = (values: number[]) => (values.length ? Math.max(...values) : 0);
  const perService = Object.fromEntries(
    serviceNames.map((service) => {
      const of = (mode: Mode) => runs.filter((run) => run.mode === mode);
      return [
        service,
        {
          idle_traced: max(of('traced').map((run) => run.rss_mb_idle[service])),
          idle_untraced: max(of('untraced').map((run) => run.rss_mb_idle[service])),
          load_traced: max([...of('traced').map((run) => run.rss_mb_peak[service]), loss?.rss_mb_peak[service] ?? 0]),
          load_untraced: max(of('untraced').map((run) => run.rss_mb_peak[service])),
        },
      ];
    }),
  ) as Record<ServiceName, { idle_traced: number; idle_untraced: number; load_traced: number; load_untraced: number }>;
  const total = (key: 'idle_traced' | 'idle_untraced' | 'load_traced' | 'load_untraced') =>
    round(sum(serviceNames.map((service) => perService[service][key])), 1);
  return {
    ...perService,
    total: {
      idle_traced: total('idle_traced'),
      idle_untraced: total('idle_untraced'),
      load_traced: total('load_traced'),
      load_untraced: total('load_untraced'),
    },
  };
}

export async function runBench(options: BenchOptions) {
  const config = loadConfig();
  const startedAt = new Date();
  const machine = await machineFacts();
  options.log(`machine: ${machine.cores} cores, node ${machine.node}, load ${machine.load_average_at_start.join(' ')}`);
  const runs: ModeRun[] = [];
  let fixedRate = options.fixedRate;
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const mode of ['traced', 'untraced'] as const) {
        const run = await runMode(config, round, mode, () => fixedRate, options);
        fixedRate ??= run.fixed_rate.target_rate_per_s;
        runs.push(run);
      }
    }
    const loss = options.skipLoss ? undefined : await spanLoss(config, options, runs.at(-1)?.mode !== 'traced');
    const modes = summariseModes(runs);
    const rss = rssSummary(runs, loss);
    const result = {
      benchmark: 'tracecart tracing cost',
      quick: options.quick,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      machine: { ...machine, load_average_at_end: loadAverage() },
      settings: {
        rounds: options.rounds,
        concurrency: options.concurrency,
        warmup_s: options.warmupS,
        saturation_s: options.saturationS,
        fixed_rate_s: options.fixedRateS,
        loss_checkouts: options.skipLoss ? 0 : options.lossCount,
        loss_rate_per_s: options.lossRate,
        service_env: options.serviceEnv,
        partner_latencies_ms: Object.fromEntries(Object.entries(partnerLatencies).map(([key, value]) => [key, Number(value)])),
      },
      throughput_ratio: modes.throughput_ratio,
      cpu_throughput_ratio: modes.cpu_throughput_ratio,
      p50_ratio: modes.p50_ratio,
      checkouts_per_s_traced: modes.checkouts_per_s_traced,
      checkouts_per_s_untraced: modes.checkouts_per_s_untraced,
      p99_ms_at_half_rate: modes.p99_ms_at_half_rate,
      spans_emitted: loss?.spans_emitted ?? 0,
      spans_in_jaeger: loss?.spans_in_jaeger ?? 0,
      rss_mb: rss,
      targets: {
        throughput_ratio_at_least_0_90: modes.throughput_ratio >= 0.9,
        p50_ratio_at_most_1_10: modes.p50_ratio <= 1.1,
        zero_spans_lost: loss ? loss.spans_emitted === loss.spans_in_jaeger && loss.spans_emitted > 0 : false,
        traced_500_per_s: modes.checkouts_per_s_traced >= 500,
        p99_at_most_100_ms_at_half_rate: modes.p99_ms_at_half_rate <= 100,
        services_rss_at_most_1_gib: rss.total.load_traced <= 1024 && rss.total.load_untraced <= 1024,
      },
      summary: modes,
      span_loss: loss,
      runs,
    };
    return result;
  } finally {
    if (options.restore) {
      options.log('restoring the services to their default start');
      await restartServices('default').catch((error: unknown) => options.log(`restore failed: ${String(error)}`));
    }
  }
}

export type BenchResult = Awaited<ReturnType<typeof runBench>>;
