/**
 * The load generator: fetches the catalog, sends checkouts on the open-model schedule, records every
 * outcome, follows a sample of created orders until shipped, and returns the summary.
 *
 * Timing, all on the monotonic clock (performance.now):
 *   scheduled send (start + i/rate) → actual send (after building the cart) → end of the response body.
 * latency = end − scheduled, service time = end − actual send, send lag = actual − scheduled.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cartCatalog, lineCountDistribution, pickCart, seededRandom, type CartCatalog, type Random } from './cart';
import { fetchCatalog, type Catalog } from './catalog';
import { LatencyHistogram } from './histogram';
import { createHttpClient, type HttpClient, type HttpResult } from './http-client';
import { OutcomeCounter, SlowestTraces, orderIdOf, traceIdOf } from './outcomes';
import type { ProgressSnapshot } from './progress';
import { checkOptions, rushCount, type LoadOptions } from './options';
import { runSchedule, totalRequests } from './schedule';
import { ShippedTracker } from './shipped';
import { rateFigures, type LoadSummary } from './summary';

const LOOP_DELAY_RESOLUTION_MS = 5;

export class LoadRun {
  private readonly checkouts: HttpClient;
  private readonly polls: HttpClient;
  private readonly random: Random;
  private readonly sampleRandom: Random;
  private readonly runId = randomUUID().slice(0, 8);
  private readonly latency = new LatencyHistogram();
  private readonly serviceTime = new LatencyHistogram();
  private readonly sendLag = new LatencyHistogram();
  private readonly intervalLatency = new LatencyHistogram();
  private readonly outcomes = new OutcomeCounter();
  private readonly slowest: SlowestTraces;
  private readonly shipped: ShippedTracker;
  private readonly lineCounts: number[];
  private carts: CartCatalog | undefined;
  private phase: ProgressSnapshot['phase'] = 'sending';
  private startAt: number | undefined;
  private lastSendAt: number | undefined;
  private lastDoneAt: number | undefined;
  private sent = 0;
  private completed = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private lastTake = { at: 0, sent: 0, answered: 0 };
  private answered = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly options: LoadOptions) {
    checkOptions(options);
    this.checkouts = createHttpClient(options.url, { maxSockets: options.concurrencyCap, timeoutMs: options.timeoutMs });
    this.polls = createHttpClient(options.url, { maxSockets: options.shippedMaxTracked, timeoutMs: options.timeoutMs });
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.sampleRandom = options.seed === undefined ? Math.random : seededRandom(options.seed ^ 0x5eed);
    this.lineCounts = lineCountDistribution(options.maxItems);
    this.slowest = new SlowestTraces(options.slowest, options.jaegerUiUrl);
    this.shipped = new ShippedTracker(this.polls, {
      pollMs: options.shippedPollMs,
      timeoutMs: options.shippedTimeoutMs,
      maxTracked: options.shippedMaxTracked,
    });
  }

  /** Fetches the catalog (unless given), runs the schedule, drains, and summarises. */
  async run(catalog?: Catalog): Promise<LoadSummary> {
    const { options } = this;
    try {
      const { products, customers } = catalog ?? (await fetchCatalog(this.checkouts, options.customerLimit));
      this.carts = cartCatalog(products, customers);
      const rushes = rushCount(options.rush, options.durationSec);
      const steady = totalRequests(options.ratePerSec, options.durationSec);
      const scheduled = steady + rushes * (options.rush?.size ?? 0);
      const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
      loopDelay.enable();
      const cpuBefore = process.cpuUsage();
      const wallStart = Date.now();
      const signal = options.signal;
      const onAbort = (): void => this.shipped.stop();
      signal?.addEventListener('abort', onAbort, { once: true });

      const rushTimers = this.scheduleRushes(rushes);
      const schedule = await runSchedule({
        ratePerSec: options.ratePerSec,
        total: steady,
        signal,
        onDue: (index, scheduledAt) => {
          this.startAt ??= scheduledAt;
          this.dispatch(index, scheduledAt);
        },
      });
      this.startAt = schedule.startAt;
      // A rush still due when the steady schedule ends (or is aborted) is not sent.
      for (const timer of rushTimers) clearTimeout(timer);
      this.phase = 'draining';
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.phase = 'shipping';
      if (!signal?.aborted) await this.shipped.drain();
      signal?.removeEventListener('abort', onAbort);

      const wallMs = Date.now() - wallStart;
      const cpu = process.cpuUsage(cpuBefore);
      loopDelay.disable();
      const interrupted = schedule.aborted || signal?.aborted === true;
      return {
        tool: 'tracecart-load',
        startedAt: new Date(wallStart).toISOString(),
        finishedAt: new Date().toISOString(),
        interrupted,
        config: {
          url: options.url,
          ratePerSec: options.ratePerSec,
          durationSec: options.durationSec,
          declineShare: options.declineShare,
          maxItems: options.maxItems,
          concurrencyCap: options.concurrencyCap,
          timeoutMs: options.timeoutMs,
          shippedSample: options.shippedSample,
          seed: options.seed ?? null,
          rush: options.rush ?? null,
        },
        rate: rateFigures({
          ratePerSec: options.ratePerSec,
          scheduled,
          sent: this.sent,
          dropped: this.outcomes.dropped,
          completed: this.completed,
          startAt: schedule.startAt,
          lastSendAt: this.lastSendAt,
          lastDoneAt: this.lastDoneAt,
        }),
        latencyMs: this.latency.stats(),
        serviceTimeMs: this.serviceTime.stats(),
        sendLagMs: this.sendLag.stats(),
        outcomes: this.outcomes.counts(),
        shipped: this.shipped.stats(),
        slowest: this.slowest.list(),
        client: {
          cpuPercent: wallMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10 : 0,
          maxInFlight: this.maxInFlight,
          // The monitor records the whole interval between its wake-ups: the delay is what exceeds the resolution.
          eventLoopDelayP99Ms: Math.max(0, Math.round(loopDelay.percentile(99) / 1000 - LOOP_DELAY_RESOLUTION_MS * 1000) / 1000),
        },
      };
    } finally {
      this.shipped.stop();
      this.checkouts.close();
      this.polls.close();
    }
  }

  /** Timers of the rushes, k·everySec after now; each dispatches its checkouts at once. */
  private scheduleRushes(count: number): NodeJS.Timeout[] {
    const rush = this.options.rush;
    if (!rush) return [];
    // Every rush cart has exactly rush.lines lines.
    const lineCounts = Array.from({ length: rush.lines }, (_, i) => (i === rush.lines - 1 ? 1 : 0));
    return Array.from({ length: count }, (_, k) =>
      setTimeout(
        () => {
          const scheduledAt = performance.now();
          for (let i = 0; i < rush.size; i += 1) this.dispatch(`rush${k + 1}-${i}`, scheduledAt, lineCounts);
        },
        (k + 1) * rush.everySec * 1000,
      ),
    );
  }

  private dispatch(index: number | string, scheduledAt: number, lineCounts: readonly number[] = this.lineCounts): void {
    if (this.inFlight >= this.options.concurrencyCap) {
      this.outcomes.addDropped();
      return;
    }
    const body = pickCart(this.random, this.carts!, { lineCounts, declineShare: this.options.declineShare });
    const sentAt = performance.now();
    this.sendLag.record(sentAt - scheduledAt);
    this.lastSendAt = sentAt;
    this.sent += 1;
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    void this.checkouts
      .request('POST', '/checkout', body, { 'idempotency-key': `load-${this.runId}-${index}` })
      .then((result) => this.complete(result, scheduledAt, sentAt));
  }

  private complete(result: HttpResult, scheduledAt: number, sentAt: number): void {
    this.inFlight -= 1;
    this.completed += 1;
    this.lastDoneAt = result.endAt;
    this.outcomes.add(result);
    if (result.kind === 'response') {
      this.answered += 1;
      const latency = result.endAt - scheduledAt;
      this.latency.record(latency);
      this.intervalLatency.record(latency);
      this.serviceTime.record(result.endAt - sentAt);
      const traceId = traceIdOf(result.body, result.headers.traceresponse);
      const orderId = orderIdOf(result.body);
      if (traceId)
        this.slowest.offer({ traceId, latencyMs: Math.round(latency * 1000) / 1000, status: result.status, orderId: orderId ?? null });
      if (result.status === 201 && orderId && this.options.shippedSample > 0 && this.sampleRandom() < this.options.shippedSample) {
        this.shipped.track(orderId, scheduledAt);
      }
    }
    if (this.inFlight === 0 && this.drained) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }

  /** Progress since the previous call (rate, p99) and since the start (counts). */
  takeProgress(): ProgressSnapshot {
    const now = performance.now();
    const start = this.startAt ?? now;
    const since = this.lastTake.at === 0 ? start : this.lastTake.at;
    const seconds = (now - since) / 1000;
    const snapshot: ProgressSnapshot = {
      phase: this.phase,
      elapsedSec: (now - start) / 1000,
      sent: this.sent,
      completed: this.completed,
      inFlight: this.inFlight,
      dropped: this.outcomes.dropped,
      errors: this.outcomes.errors,
      ratePerSec: seconds > 0 ? (this.sent - this.lastTake.sent) / seconds : 0,
      answeredPerSec: seconds > 0 ? (this.answered - this.lastTake.answered) / seconds : 0,
      p50Ms: this.intervalLatency.percentile(50),
      p95Ms: this.intervalLatency.percentile(95),
      p99Ms: this.intervalLatency.percentile(99),
      shippedPending: this.shipped.pending,
    };
    this.lastTake = { at: now, sent: this.sent, answered: this.answered };
    this.intervalLatency.reset();
    return snapshot;
  }
}

/** Runs one load test; see LoadRun. */
export function runLoad(options: LoadOptions, catalog?: Catalog): Promise<LoadSummary> {
  return new LoadRun(options).run(catalog);
}
