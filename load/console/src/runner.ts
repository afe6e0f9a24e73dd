/**
 * Runs the lab's own open-model load generator (@tracecart/load's LoadRun) inside the console's server, one
 * run at a time. Every second it takes the generator's progress (answers, p50/p95/p99 and errors of the last
 * interval) as one point, so the page draws the run while it happens; after the run it reads the run's
 * checkout traces back from Jaeger and keeps the report's analysis with the run (RunStore).
 */
import { randomUUID } from 'node:crypto';
import { CatalogError, DEFAULT_OPTIONS, LoadRun, type LoadOptions, type ProgressSnapshot } from '@tracecart/load';
import { analyse, analysisDefaults, fetchCheckoutSpans } from '@tracecart/report';
import { readStates, type ServiceUrls } from '@tracecart/stack-client';
import type { RunPoint, RunRecord } from './run-record';
import type { RunStore } from './run-store';

export interface RunnerSettings {
  urls: ServiceUrls;
  jaegerQueryUrl: string;
  jaegerUiUrl: string;
  /** How long after the last answer the analysis waits for the services' span batches to reach Jaeger. */
  settleMs: number;
  /** Most traces the analysis reads from Jaeger. */
  traceLimit: number;
}

export const LIMITS = { maxRatePerSec: 500, maxDurationSec: 600 } as const;

const round = (value: number | undefined): number | null => (value === undefined ? null : Math.round(value * 10) / 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class Runner {
  private current: { record: RunRecord; abort: AbortController; done: Promise<void> } | undefined;

  constructor(
    private readonly settings: RunnerSettings,
    private readonly store: RunStore,
  ) {}

  /** The run in progress, or the last one. */
  latest(): RunRecord | undefined {
    return this.current?.record ?? this.store.list().at(-1);
  }

  busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts a run; throws RangeError for bad options (checked by the generator itself). */
  start(ratePerSec: number, durationSec: number): RunRecord {
    if (this.current) throw new Error('a run is in progress');
    const abort = new AbortController();
    const options: LoadOptions = {
      ...DEFAULT_OPTIONS,
      url: this.settings.urls.order,
      ratePerSec,
      durationSec,
      shippedTimeoutMs: 15_000,
      jaegerUiUrl: this.settings.jaegerUiUrl,
      signal: abort.signal,
    };
    const load = new LoadRun(options);
    const record: RunRecord = {
      id: `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 4)}`,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      ratePerSec,
      durationSec,
      phase: 'starting',
      stopped: false,
      scenarios: [],
      points: [],
      totals: { sent: 0, completed: 0, errors: 0, dropped: 0, inFlight: 0 },
      summary: null,
      analysis: null,
      problem: null,
    };
    const done = this.execute(load, record);
    this.current = { record, abort, done };
    return record;
  }

  stop(): boolean {
    if (!this.current || this.current.abort.signal.aborted) return false;
    this.current.record.stopped = true;
    this.current.abort.abort();
    return true;
  }

  /** Stops a run in progress and waits for it (shutdown). */
  async close(): Promise<void> {
    this.stop();
    await this.current?.done;
  }

  private async execute(load: LoadRun, record: RunRecord): Promise<void> {
    let errorsSoFar = 0;
    const take = (): void => {
      const snapshot: ProgressSnapshot = load.takeProgress();
      if (snapshot.sent > 0) record.phase = snapshot.phase;
      record.totals = {
        sent: snapshot.sent,
        completed: snapshot.completed,
        errors: snapshot.errors,
        dropped: snapshot.dropped,
        inFlight: snapshot.inFlight,
      };
      const point: RunPoint = {
        t: Math.round(snapshot.elapsedSec * 10) / 10,
        checkoutsPerSec: Math.round(snapshot.answeredPerSec * 10) / 10,
        sentPerSec: Math.round(snapshot.ratePerSec * 10) / 10,
        p50: round(snapshot.p50Ms),
        p95: round(snapshot.p95Ms),
        p99: round(snapshot.p99Ms),
        errors: snapshot.errors - errorsSoFar,
      };
      errorsSoFar = snapshot.errors;
      // Nothing sent yet: the generator is still fetching the catalogue.
      if (snapshot.sent > 0) record.points.push(point);
    };
    let ticker: NodeJS.Timeout | undefined;
    try {
      record.scenarios = (await readStates(this.settings.urls, 2_000)).map(({ name, enabled }) => ({ name, enabled }));
      ticker = setInterval(take, 1_000);
      const summary = await load.run();
      clearInterval(ticker);
      ticker = undefined;
      take();
      record.summary = summary;
      record.phase = 'analysing';
      await sleep(this.settings.settleMs);
      try {
        const since = new Date(Date.parse(summary.startedAt) - 1_000);
        const spans = await fetchCheckoutSpans(
          this.settings.jaegerQueryUrl,
          analysisDefaults.root,
          { since, until: new Date() },
          this.settings.traceLimit,
        );
        record.analysis = analyse(spans, {
          jaeger: this.settings.jaegerQueryUrl,
          since: since.toISOString(),
          until: new Date().toISOString(),
          limit: this.settings.traceLimit,
        });
        if (record.analysis.traces.analysed === 0) record.problem = 'no checkout traces of this run in Jaeger: no verdict';
      } catch (error) {
        record.problem = `no verdict: ${error instanceof Error ? error.message : String(error)}`;
      }
      record.phase = 'done';
    } catch (error) {
      record.phase = 'failed';
      record.problem =
        error instanceof CatalogError
          ? `cannot start: the order service did not give its catalogue (${error.message}); is order down?`
          : error instanceof Error
            ? error.message
            : String(error);
    } finally {
      if (ticker) clearInterval(ticker);
      record.finishedAt = new Date().toISOString();
      this.store.add(record);
      this.current = undefined;
    }
  }
}
