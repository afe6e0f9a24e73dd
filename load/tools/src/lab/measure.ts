/**
 * `pnpm lab measure`: the lab's figures, benchmark-style. Per pathology, `runs` interleaved pairs: only
 * that pathology on, then all off, each a burst of the catalogue's documented load; the traces read back
 * from Jaeger and analysed by the report. Prints each pathology's key latency at p95 (checkout, or
 * checkout-to-shipped for shipping's) ON and OFF with their ratio, and the report's hit rate: ON runs whose
 * top culprit is that pathology, OFF runs in which it names none. The switches are restored at the end.
 * Measures: run it on a quiet machine; figures from a busy one say little.
 */
import type { Config } from '@tracecart/config';
import { pathology, pathologyNames, type PathologyName } from '@tracecart/lab-catalogue';
import { readStates, serviceUrls, switchScenarios, type ServiceUrls } from '@tracecart/stack-client';
import { runCheckoutBurst, traceIdsOf } from '../burst/checkout-burst';
import { waitForCheckoutTraces } from '../burst/collect';
import { analyse, round, type Analysis } from '@tracecart/report';

export interface RunFigures {
  pathology: PathologyName;
  run: number;
  mode: 'on' | 'off';
  checkouts: number;
  paid: number;
  tracesAnalysed: number;
  /** p95 of the pathology's key latency in this run, ms (null: no trace had it). */
  keyP95Ms: number | null;
  /** The pathologies the report named, and its top culprit's. */
  named: PathologyName[];
  culprit: PathologyName | null;
}

export interface PathologyFigures {
  pathology: PathologyName;
  keyLatency: 'checkout' | 'checkout-to-shipped';
  runs: number;
  onP95Ms: number[];
  offP95Ms: number[];
  /** Median ON p95 over median OFF p95 (null without both). */
  p95Ratio: number | null;
  /** ON runs whose top culprit is this pathology. */
  onHits: number;
  /** OFF runs in which the report names no pathology. */
  offClean: number;
}

export interface MeasureOptions {
  names: readonly PathologyName[];
  runs: number;
  /** Checkouts per burst instead of the catalogue's (a quick smoke run). */
  count?: number;
}

export function keyP95(analysis: Pick<Analysis, 'checkoutLatencyMs' | 'checkoutToShippedMs'>, name: PathologyName): number | null {
  const summary = pathology(name).keyLatency === 'checkout' ? analysis.checkoutLatencyMs : analysis.checkoutToShippedMs;
  return summary ? summary.p95 : null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The figures per pathology, from the runs (pure). */
export function summariseRuns(runs: readonly RunFigures[]): PathologyFigures[] {
  const names = [...new Set(runs.map((run) => run.pathology))];
  return names.map((name) => {
    const mine = runs.filter((run) => run.pathology === name);
    const on = mine.filter((run) => run.mode === 'on');
    const off = mine.filter((run) => run.mode === 'off');
    const onP95Ms = on.flatMap((run) => (run.keyP95Ms === null ? [] : [run.keyP95Ms]));
    const offP95Ms = off.flatMap((run) => (run.keyP95Ms === null ? [] : [run.keyP95Ms]));
    const onMedian = median(onP95Ms);
    const offMedian = median(offP95Ms);
    return {
      pathology: name,
      keyLatency: pathology(name).keyLatency,
      runs: Math.max(on.length, off.length),
      onP95Ms,
      offP95Ms,
      p95Ratio: onMedian !== null && offMedian !== null && offMedian > 0 ? round(onMedian / offMedian) : null,
      onHits: on.filter((run) => run.culprit === name).length,
      offClean: off.filter((run) => run.named.length === 0).length,
    };
  });
}

export function renderFigures(figures: readonly PathologyFigures[]): string {
  const header =
    '| pathology | key latency | p95 ON (ms, per run) | p95 OFF (ms, per run) | p95 ratio | report: ON named | OFF clean |\n|---|---|---|---|---|---|---|';
  const rows = figures.map(
    (figure) =>
      `| ${figure.pathology} | ${figure.keyLatency} | ${figure.onP95Ms.join(', ')} | ${figure.offP95Ms.join(', ')} | ${figure.p95Ratio === null ? '-' : `${figure.p95Ratio}×`} | ${figure.onHits}/${figure.runs} | ${figure.offClean}/${figure.runs} |`,
  );
  return `${[header, ...rows].join('\n')}\n`;
}

async function setOnly(urls: ServiceUrls, token: string, name: PathologyName | null): Promise<void> {
  await switchScenarios(
    urls,
    token,
    pathologyNames.filter((other) => other !== name),
    false,
  );
  if (name) await switchScenarios(urls, token, [name], true);
}

async function oneRun(
  config: Config,
  name: PathologyName,
  run: number,
  mode: 'on' | 'off',
  count: number | undefined,
): Promise<RunFigures> {
  const load = pathology(name).load;
  const result = await runCheckoutBurst({ orderUrl: config.ORDER_URL, ...load, count: count ?? load.count });
  const spans = await waitForCheckoutTraces(config.JAEGER_QUERY_URL, traceIdsOf(result));
  const analysis = analyse(spans, { jaeger: config.JAEGER_QUERY_URL });
  return {
    pathology: name,
    run,
    mode,
    checkouts: result.outcomes.length,
    paid: result.outcomes.filter((outcome) => outcome.status === 201).length,
    tracesAnalysed: analysis.traces.analysed,
    keyP95Ms: keyP95(analysis, name),
    named: analysis.pathologies,
    culprit: analysis.culprit?.pathology?.name ?? null,
  };
}

export async function measure(config: Config, options: MeasureOptions, progress: (text: string) => void): Promise<RunFigures[]> {
  const urls = serviceUrls(config);
  const states = await readStates(urls, 5_000, config.SCENARIO_TOKEN);
  if (states.some((state) => state.enabled === null))
    throw new Error(`cannot read the switches: ${states.find((state) => state.enabled === null)!.problem}`);
  const runs: RunFigures[] = [];
  try {
    for (const name of options.names) {
      for (let run = 1; run <= options.runs; run += 1) {
        for (const mode of ['on', 'off'] as const) {
          await setOnly(urls, config.SCENARIO_TOKEN, mode === 'on' ? name : null);
          const figures = await oneRun(config, name, run, mode, options.count);
          progress(
            `${name} run ${run} ${mode}: key p95 ${figures.keyP95Ms ?? '-'} ms, ${figures.paid}/${figures.checkouts} paid, report names [${figures.named.join(', ')}]\n`,
          );
          runs.push(figures);
        }
      }
    }
  } finally {
    const on = states.filter((state) => state.enabled).map((state) => state.name);
    const off = states.filter((state) => !state.enabled).map((state) => state.name);
    if (off.length > 0) await switchScenarios(urls, config.SCENARIO_TOKEN, off, false);
    if (on.length > 0) await switchScenarios(urls, config.SCENARIO_TOKEN, on, true);
  }
  return runs;
}
