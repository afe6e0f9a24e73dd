/**
 * Two load shapes. Closed loop: N workers, each sends its next checkout when the last one answered;
 * throughput at saturation is what the stack completes per second. Open model: checkouts start on a
 * fixed schedule whatever the stack does, and each latency is measured from the moment its request
 * was due (not sent), so a stall shows up in the percentiles instead of hiding (no coordinated omission).
 */
import { nextSequence, seededCart } from '@tracecart/stack-client';
import { LatencyHistogram, round } from '../load/histogram';
import { createHttpClient, type HttpClient } from '../load/http-client';
import { traceIdOf } from '../load/outcomes';

/** One checkout's answer: its status (0 without one) and trace id, or what went wrong on the network. */
export interface CheckoutResult {
  status: number;
  traceId: string | undefined;
  /** Network failure (its code, e.g. ECONNRESET) or 'timeout': no status. */
  error?: string;
}

/** The latency figures of a run in ms (the JSON's `latency` object). */
export interface LatencySummary {
  count: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  mean_ms: number;
}

/** One to three lines of seeded SKUs, quantities 1 and 2, a card that pays. */
async function checkout(client: HttpClient): Promise<CheckoutResult> {
  const body = seededCart(nextSequence(), 1 + Math.floor(Math.random() * 3), { quantity: (index) => 1 + (index % 2) });
  const result = await client.request('POST', '/checkout', body);
  if (result.kind === 'response') return { status: result.status, traceId: traceIdOf(result.body, result.headers.traceresponse) };
  return { status: 0, traceId: undefined, error: result.kind === 'network' ? result.code : 'timeout' };
}

export interface RunFigures {
  shape: 'closed' | 'open';
  /** Closed loop: concurrency; open model: the asked rate per second. */
  concurrency?: number;
  target_rate_per_s?: number;
  duration_s: number;
  sent: number;
  /** 201 PAID. */
  paid: number;
  /** 402 declined by payment: a whole checkout, counted apart. */
  declined: number;
  errors: number;
  error_kinds: Record<string, number>;
  checkouts_per_s: number;
  latency: LatencySummary;
}

export interface DriverOptions {
  orderUrl: string;
  /** Called with every answer (e.g. to keep trace ids). */
  onResult?: (result: CheckoutResult) => void;
}

class Tally {
  paid = 0;
  declined = 0;
  errors = 0;
  kinds: Record<string, number> = {};
  readonly latencies = new LatencyHistogram();

  add(result: CheckoutResult, ms: number): void {
    this.latencies.record(ms);
    if (result.status === 201) this.paid += 1;
    else if (result.status === 402) this.declined += 1;
    else {
      this.errors += 1;
      const kind = result.error ?? String(result.status);
      this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    }
  }
}

const CHECKOUT_TIMEOUT_MS = 30_000;
const now = () => performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Closed loop: `concurrency` workers for `warmupS` (not counted) then `durationS` (counted). */
export async function closedLoop(
  options: DriverOptions & { concurrency: number; durationS: number; warmupS: number },
): Promise<RunFigures> {
  const client = createHttpClient(options.orderUrl, { maxSockets: options.concurrency, timeoutMs: CHECKOUT_TIMEOUT_MS });
  const tally = new Tally();
  const start = now();
  const measureFrom = start + options.warmupS * 1000;
  const stopAt = measureFrom + options.durationS * 1000;
  let sent = 0;
  const worker = async () => {
    while (now() < stopAt) {
      const began = now();
      const result = await checkout(client);
      const ended = now();
      // Only checkouts that both started and ended inside the window count.
      if (began >= measureFrom && ended <= stopAt) {
        sent += 1;
        tally.add(result, ended - began);
        options.onResult?.(result);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  client.close();
  return figures('closed', tally, sent, options.durationS, { concurrency: options.concurrency });
}

/**
 * Open model: `rate` checkouts per second for `durationS` seconds (or `count` checkouts), each due at
 * start + i / rate. Waits for the last answers (up to `drainS`).
 */
export async function openModel(
  options: DriverOptions & { rate: number; durationS?: number; count?: number; maxInFlight?: number; drainS?: number },
): Promise<RunFigures> {
  const total = options.count ?? Math.round(options.rate * (options.durationS ?? 10));
  const maxInFlight = options.maxInFlight ?? Math.max(64, Math.ceil(options.rate * 2));
  const client = createHttpClient(options.orderUrl, { maxSockets: maxInFlight, timeoutMs: CHECKOUT_TIMEOUT_MS });
  const tally = new Tally();
  const interval = 1000 / options.rate;
  let inFlight = 0;
  let issued = 0;
  const pending = new Set<Promise<void>>();
  const start = now();
  while (issued < total) {
    const due = start + issued * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait - 0.5);
    // Send everything that is due now (a late timer sends a small burst, each with its own due time).
    while (issued < total && start + issued * interval <= now()) {
      const dueAt = start + issued * interval;
      issued += 1;
      if (inFlight >= maxInFlight) {
        // The stack is this far behind: count it as an error rather than queueing without bound.
        tally.add({ status: 0, traceId: undefined, error: 'client_overload' }, now() - dueAt);
        continue;
      }
      inFlight += 1;
      const done = checkout(client).then((result) => {
        inFlight -= 1;
        tally.add(result, now() - dueAt);
        options.onResult?.(result);
      });
      pending.add(done);
      void done.finally(() => pending.delete(done));
    }
  }
  const drainDeadline = now() + (options.drainS ?? 30) * 1000;
  while (pending.size > 0 && now() < drainDeadline) await Promise.race([...pending, sleep(100)]);
  const elapsedS = (now() - start) / 1000;
  client.close();
  return figures('open', tally, issued, elapsedS, { target_rate_per_s: options.rate });
}

function figures(
  shape: RunFigures['shape'],
  tally: Tally,
  sent: number,
  durationS: number,
  extra: Pick<RunFigures, 'concurrency' | 'target_rate_per_s'>,
): RunFigures {
  return {
    shape,
    ...extra,
    duration_s: round(durationS, 2),
    sent,
    paid: tally.paid,
    declined: tally.declined,
    errors: tally.errors,
    error_kinds: tally.kinds,
    checkouts_per_s: round((tally.paid + tally.declined) / durationS, 1),
    latency: latencySummary(tally.latencies),
  };
}

function latencySummary(histogram: LatencyHistogram): LatencySummary {
  const stats = histogram.stats();
  if (!stats) return { count: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, mean_ms: 0 };
  return {
    count: stats.count,
    p50_ms: stats.p50,
    p90_ms: stats.p90,
    p99_ms: stats.p99,
    p999_ms: stats.p999,
    max_ms: stats.max,
    mean_ms: stats.mean,
  };
}
