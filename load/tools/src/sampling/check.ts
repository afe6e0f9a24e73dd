/**
 * `pnpm sampling-check`: what tail sampling keeps, measured on the local stack (issue 14, docs/sampling.md).
 * Three phases of the same open-model load (declined payments, one pathology on, the others off), each on a freshly
 * restarted Jaeger that also tees every span into a "truth" store (load/tools/jaeger-truth.yaml):
 *   off       every trace stored: Jaeger's memory baseline, checkout trace durations (p95 -> the latency
 *             threshold, p99 -> the decision wait must exceed it)
 *   tail-100  tail sampling keeping 100 %: the same traces stored, so the memory difference to `off` is
 *             what the decision wait holds
 *   tail      tail sampling at --percent: kept shares by class, spans cut, completeness, span loss, and the
 *             report's culprit from the kept traces against the one from all traces
 * Jaeger is restarted with the default (TRACE_SAMPLING unset) afterwards, and the switches put back as they were.
 */
import path from 'node:path';
import type { Config } from '@tracecart/config';
import { JaegerClient, type FlatSpan } from '@tracecart/jaeger-client';
import type { PathologyName } from '@tracecart/lab-catalogue';
import { loadAverage, machineFacts, restartJaeger, rssMb } from '../bench/stack-control';
import { runLoad } from '../load/generator';
import { DEFAULT_OPTIONS } from '../load/options';
import type { LoadSummary } from '../load/summary';
import { analyse } from '@tracecart/report';
import { readStates, switchScenario, type ServiceUrls } from '@tracecart/stack-client';
import { checkoutTraces, samplingFigures, type SamplingFigures } from './figures';

export interface SamplingCheckOptions {
  checkouts: number;
  ratePerSec: number;
  percent: number;
  latencyMs: number;
  decisionWaitS: number;
  declineShare: number;
  pathology: PathologyName | null;
  log: (line: string) => void;
}

/** The overlay that tees spans into the truth store (load/tools/jaeger-truth.yaml; this file is load/tools/dist/sampling/check.js). */
const truthOverlay = path.resolve(__dirname, '..', '..', 'jaeger-truth.yaml');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface PhaseResult {
  name: string;
  load: Pick<LoadSummary['rate'], 'sent' | 'completed' | 'achievedPerSec'> & { outcomes: LoadSummary['outcomes'] };
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
  jaegerRssMb: { afterRestart: number | null; peak: number | null };
  truth: FlatSpan[];
  kept: FlatSpan[];
}

function jaegerRssPeak(everyMs = 250): { stop(): number | null } {
  let peak: number | null = null;
  const timer = setInterval(() => {
    void rssMb('jaeger').then((now) => {
      if (now !== undefined) peak = Math.max(peak ?? 0, now);
    });
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Every span of the window, fetched in slices of a few seconds (one answer for 2,000 traces would be huge). */
async function spansOf(jaeger: JaegerClient, since: Date, until: Date): Promise<FlatSpan[]> {
  const spans: FlatSpan[] = [];
  const sliceMs = 5_000;
  for (let from = since.getTime(); from < until.getTime(); from += sliceMs) {
    const to = new Date(Math.min(from + sliceMs, until.getTime()));
    spans.push(
      ...(await jaeger.search({ service: 'order-service', operation: 'POST /checkout', since: new Date(from), until: to, limit: 5_000 })),
    );
  }
  // A trace found in two slices (it cannot: its root starts in one) would count twice; keep it unique.
  const seen = new Set<string>();
  return spans.filter((span) => {
    const key = `${span.traceId}/${span.spanId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function runPhase(
  name: string,
  jaegerEnv: Record<string, string | undefined>,
  config: Config,
  options: SamplingCheckOptions,
): Promise<PhaseResult> {
  const truthPort = Number(new URL(config.JAEGER_QUERY_URL).port || 16686) + 3;
  options.log(
    `phase ${name}: restarting Jaeger (${Object.entries(jaegerEnv)
      .map(([key, value]) => `${key}=${value ?? ''}`)
      .join(' ')})`,
  );
  await restartJaeger({
    ...jaegerEnv,
    JAEGER_EXTRA_CONFIG: truthOverlay,
    SAMPLING_CHECK_QUERY_PORT: String(truthPort),
    SAMPLING_CHECK_GRPC_PORT: String(truthPort + 1),
  });
  await sleep(2_000);
  const afterRestart = (await rssMb('jaeger')) ?? null;
  const before = loadAverage();
  const rss = jaegerRssPeak();
  const since = new Date();
  const durationSec = options.checkouts / options.ratePerSec;
  options.log(
    `phase ${name}: ${options.checkouts} checkouts at ${options.ratePerSec}/s (${durationSec} s), load average ${before.join(' ')}`,
  );
  const summary = await runLoad({
    ...DEFAULT_OPTIONS,
    url: config.ORDER_URL,
    jaegerUiUrl: config.JAEGER_UI_URL,
    ratePerSec: options.ratePerSec,
    durationSec,
    declineShare: options.declineShare,
    shippedSample: 0,
    customerLimit: DEFAULT_OPTIONS.customerLimit,
  });
  // The last checkouts still ship, then each trace waits its decision; then Jaeger's batch.
  const settleS = options.decisionWaitS + 10;
  options.log(`phase ${name}: waiting ${settleS} s for the last traces to ship and be decided`);
  await sleep(settleS * 1_000);
  const peak = rss.stop();
  const until = new Date();
  const truth = await spansOf(new JaegerClient(`http://127.0.0.1:${truthPort}`, 120_000), since, until);
  const kept = await spansOf(new JaegerClient(config.JAEGER_QUERY_URL, 120_000), since, until);
  return {
    name,
    load: {
      sent: summary.rate.sent,
      completed: summary.rate.completed,
      achievedPerSec: summary.rate.achievedPerSec,
      outcomes: summary.outcomes,
    },
    loadAverage: { before, after: loadAverage() },
    jaegerRssMb: { afterRestart, peak },
    truth,
    kept,
  };
}

export interface SamplingCheckResult {
  tool: 'tracecart-sampling-check';
  generatedAt: string;
  machine: Awaited<ReturnType<typeof machineFacts>>;
  settings: Omit<SamplingCheckOptions, 'log'>;
  phases: Array<Omit<PhaseResult, 'truth' | 'kept'> & { checkoutTraces: { unsampled: number; stored: number } }>;
  /** From the `off` phase: checkout trace durations, and what they suggest for the threshold and the wait. */
  unsampled: SamplingFigures['traceDurationMs'];
  decisionWaitCoversP99: boolean | null;
  tail: SamplingFigures;
  /** Jaeger's peak RSS in tail-100 minus off: what the decision wait holds at this rate. */
  decisionWaitMemoryMb: number | null;
  culprit: { fromAllTraces: string | null; fromKeptTraces: string | null; same: boolean };
  verdicts: Record<string, boolean>;
}

function culpritName(spans: readonly FlatSpan[]): string | null {
  const culprit = analyse(spans).culprit;
  return culprit ? (culprit.pathology?.name ?? culprit.label) : null;
}

export async function runSamplingCheck(config: Config, options: SamplingCheckOptions): Promise<SamplingCheckResult> {
  const urls: ServiceUrls = { order: config.ORDER_URL, payment: config.PAYMENT_URL, shipping: config.SHIPPING_URL };
  // Only the chosen pathology on (a stack starts with all four on, which saturates a small machine); the
  // switches are put back as they were afterwards.
  const before = await readStates(urls);
  const changed: Array<{ name: PathologyName; enabled: boolean }> = [];
  for (const state of before) {
    const wanted = state.name === options.pathology;
    if (state.enabled === wanted) continue;
    await switchScenario(urls, config.SCENARIO_TOKEN, state.name, wanted);
    if (state.enabled !== null) changed.push({ name: state.name, enabled: state.enabled });
  }
  const tailEnv = (percent: number) => ({
    TRACE_SAMPLING: 'tail',
    TAIL_SAMPLING_PERCENT: String(percent),
    TAIL_SAMPLING_LATENCY_MS: String(options.latencyMs),
    TAIL_SAMPLING_DECISION_WAIT: `${options.decisionWaitS}s`,
  });
  const phases: PhaseResult[] = [];
  try {
    phases.push(await runPhase('off', { TRACE_SAMPLING: 'off' }, config, options));
    phases.push(await runPhase('tail-100', tailEnv(100), config, options));
    phases.push(await runPhase('tail', tailEnv(options.percent), config, options));
  } finally {
    options.log('restoring the default Jaeger (every trace stored)');
    await restartJaeger({
      TRACE_SAMPLING: undefined,
      TAIL_SAMPLING_PERCENT: undefined,
      TAIL_SAMPLING_LATENCY_MS: undefined,
      TAIL_SAMPLING_DECISION_WAIT: undefined,
      JAEGER_EXTRA_CONFIG: undefined,
    });
    for (const { name, enabled } of changed) await switchScenario(urls, config.SCENARIO_TOKEN, name, enabled);
  }
  const [off, full, tail] = phases as [PhaseResult, PhaseResult, PhaseResult];
  const offFigures = samplingFigures(checkoutTraces(off.truth), checkoutTraces(off.kept), options.latencyMs);
  const tailFigures = samplingFigures(checkoutTraces(tail.truth), checkoutTraces(tail.kept), options.latencyMs);
  const fullFigures = samplingFigures(checkoutTraces(full.truth), checkoutTraces(full.kept), options.latencyMs);
  const fromAll = culpritName(tail.truth);
  const fromKept = culpritName(tail.kept);
  const memory =
    off.jaegerRssMb.peak !== null && full.jaegerRssMb.peak !== null
      ? Math.round((full.jaegerRssMb.peak - off.jaegerRssMb.peak) * 10) / 10
      : null;
  const rest = tailFigures.traces.rest.keptPct;
  const verdicts = {
    allErrorTracesKept: tailFigures.traces.errors.kept === tailFigures.traces.errors.total,
    allSlowTracesKept: tailFigures.traces.slow.kept === tailFigures.traces.slow.total,
    restWithin3PointsOfPercent: rest !== null && Math.abs(rest - options.percent) <= 3,
    keptTracesComplete: tailFigures.completeness.incomplete === 0,
    spansCutAtLeast80Pct: (tailFigures.spans.cutPct ?? 0) >= 80,
    tail100KeptEverything: fullFigures.traces.kept === fullFigures.traces.total && fullFigures.completeness.incomplete === 0,
    sameCulprit: fromAll === fromKept,
  };
  const { log: _log, ...settings } = options;
  return {
    tool: 'tracecart-sampling-check',
    generatedAt: new Date().toISOString(),
    machine: await machineFacts(),
    settings,
    phases: phases.map(({ truth, kept, ...phase }) => ({
      ...phase,
      checkoutTraces: { unsampled: checkoutTraces(truth).size, stored: checkoutTraces(kept).size },
    })),
    unsampled: offFigures.traceDurationMs,
    decisionWaitCoversP99: offFigures.traceDurationMs ? offFigures.traceDurationMs.p99 < options.decisionWaitS * 1_000 : null,
    tail: tailFigures,
    decisionWaitMemoryMb: memory,
    culprit: { fromAllTraces: fromAll, fromKeptTraces: fromKept, same: fromAll === fromKept },
    verdicts,
  };
}

export function formatSamplingCheck(result: SamplingCheckResult): string {
  const t = result.tail;
  const share = (label: string, s: { total: number; kept: number; keptPct: number | null }) =>
    `  ${label.padEnd(34)} ${String(s.kept).padStart(6)} of ${String(s.total).padEnd(6)} ${s.keptPct === null ? '-' : `${s.keptPct} %`}`;
  const lines = [
    `Tail sampling check (${result.settings.checkouts} checkouts per phase at ${result.settings.ratePerSec}/s, ${Math.round(result.settings.declineShare * 100)} % declined, pathology ${result.settings.pathology ?? 'none'})`,
    `  threshold ${t.thresholdMs} ms, share ${result.settings.percent} %, decision wait ${result.settings.decisionWaitS} s`,
    '',
    'Checkout traces without sampling (phase off)',
    result.unsampled
      ? `  duration p50 ${result.unsampled.p50} ms  p95 ${result.unsampled.p95} ms  p99 ${result.unsampled.p99} ms  max ${result.unsampled.max} ms  (n=${result.unsampled.count})`
      : '  none found',
    `  decision wait ${result.settings.decisionWaitS} s covers p99: ${result.decisionWaitCoversP99 ? 'yes' : 'NO'}`,
    '',
    `Kept with tail sampling (phase tail)`,
    share('traces with an error', t.traces.errors),
    share(`traces slower than ${t.thresholdMs} ms`, t.traces.slow),
    share(`borderline (±${t.borderlineMs} ms of the threshold)`, t.traces.borderline),
    share('the rest', t.traces.rest),
    `  spans stored ${t.spans.stored} of ${t.spans.unsampled}: cut by ${t.spans.cutPct ?? '-'} %`,
    `  kept traces complete: ${t.completeness.kept - t.completeness.incomplete} of ${t.completeness.kept} (spans missing: ${t.completeness.spansMissing}${t.completeness.examples.length ? `, e.g. ${t.completeness.examples.join(', ')}` : ''})`,
    `  Jaeger memory for the decision wait (peak RSS tail-100 minus off): ${result.decisionWaitMemoryMb ?? '-'} MiB`,
    `  culprit from all traces: ${result.culprit.fromAllTraces ?? 'none'}; from kept traces: ${result.culprit.fromKeptTraces ?? 'none'}`,
    '',
    'Load average per phase (before -> after): ' +
      result.phases.map((phase) => `${phase.name} ${phase.loadAverage.before[0]} -> ${phase.loadAverage.after[0]}`).join(', '),
    '',
    'Verdicts',
    ...Object.entries(result.verdicts).map(([name, ok]) => `  ${ok ? 'ok  ' : 'FAIL'} ${name}`),
  ];
  return `${lines.join('\n')}\n`;
}
