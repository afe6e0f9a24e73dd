/**
 * The end-of-run summary: what `--json <file>` writes and what the text report prints.
 *
 * JSON fields (times in milliseconds unless the name says otherwise; every "Stats" object is null when it
 * has no sample). summary.test.ts checks this list against a real run's output in both directions.
 *
 *   tool                         "tracecart-load"
 *   startedAt                    ISO-8601 wall-clock time of the first scheduled send
 *   finishedAt                   ISO-8601 wall-clock time the run ended (after the drain and the shipped polling)
 *   interrupted                  true when the run was stopped early (Ctrl-C)
 *   config.url                   order service base URL
 *   config.ratePerSec            target arrival rate, requests per second
 *   config.durationSec           length of the send schedule
 *   config.declineShare          share of carts paid with tok_chargeDeclined
 *   config.maxItems              most lines in one cart
 *   config.concurrencyCap        most checkouts in flight; a request due beyond it is dropped
 *   config.timeoutMs             per-request timeout
 *   config.shippedSample         share of created orders whose checkout-to-shipped time is measured
 *   config.seed                  random seed of the carts (null: unseeded)
 *   config.rush                  {everySec, size, lines} of the rushes on top of the rate (null: none)
 *   rate.targetPerSec            = config.ratePerSec
 *   rate.achievedPerSec          sent / sendWindowSec
 *   rate.scheduled               requests on the schedule: rate × duration, plus the rushes' (config.rush)
 *   rate.sent                    requests actually sent (scheduled − dropped, fewer if interrupted)
 *   rate.dropped                 requests due while the in-flight cap was reached ("client-overloaded"), never sent
 *   rate.completed               sent requests that ended (any response, network error or timeout)
 *   rate.sendWindowSec           first scheduled send → last actual send, plus one interval (1/rate)
 *   rate.throughputPerSec        completed / (first scheduled send → last completion)
 *   latencyMs                    Stats of the HTTP latency: scheduled send → end of response, every request answered with a status
 *   serviceTimeMs                Stats of actual send → end of response (the same requests)
 *   sendLagMs                    Stats of scheduled send → actual send, every sent request (client-side overhead)
 *   outcomes.created             201 answers
 *   outcomes.declined            402 answers (declined payment)
 *   outcomes.byStatus            {"<status>": count} of every other status
 *   outcomes.networkErrors       {"<code>": count} of network errors (ECONNREFUSED, ECONNRESET, …)
 *   outcomes.timeouts            requests without a complete answer within config.timeoutMs
 *   outcomes.dropped             = rate.dropped
 *   outcomes.errors              byStatus + networkErrors + timeouts
 *   shipped.sampled              created orders followed until shipped or deadline
 *   shipped.shipped              of those, seen SHIPPED before the deadline
 *   shipped.notShippedInTime     of those, not SHIPPED by the deadline
 *   shipped.paymentFailed        of those, turned PAYMENT_FAILED
 *   shipped.skipped              sampled while too many orders were followed already: not measured
 *   shipped.abandoned            still followed when the run was interrupted
 *   shipped.pollErrors           failed GET /orders/:id polls
 *   shipped.polls                GET /orders/:id polls sent
 *   shipped.pollMs               poll interval (the resolution of shipped.latencyMs)
 *   shipped.timeoutMs            deadline after the checkout's scheduled send
 *   shipped.latencyMs            Stats of checkout scheduled send → first poll that saw SHIPPED
 *   shipped.serverLatencyMs      Stats of the order's createdAt → shippedAt, as the service recorded them
 *   slowest[].traceId            the slowest answered checkouts that carried a trace id, slowest first
 *   slowest[].latencyMs          its HTTP latency (from the scheduled send)
 *   slowest[].status             its HTTP status
 *   slowest[].orderId            its order id, or null
 *   slowest[].jaegerUrl          ${JAEGER_UI_URL}/trace/<traceId>
 *   slowest[].stored             true when Jaeger holds the trace, false when it was not kept (tail sampling), null when Jaeger could not be asked
 *   client.cpuPercent            CPU (user + system) of the load generator over the run, % of one core
 *   client.maxInFlight           most checkouts in flight at once
 *   client.eventLoopDelayP99Ms   p99 event-loop delay of the load generator during the run
 *   Stats.count                  number of samples
 *   Stats.min                    smallest
 *   Stats.mean                   mean
 *   Stats.p50                    median (HdrHistogram, 3 significant digits)
 *   Stats.p90                    90th percentile
 *   Stats.p99                    99th percentile
 *   Stats.p999                   99.9th percentile
 *   Stats.max                    largest
 */
import type { LoadOptions, RushOptions } from './options';
import type { LatencyStats } from './histogram';
import type { OutcomeCounts, SlowTrace } from './outcomes';
import type { ShippedStats } from './shipped';

export interface LoadSummary {
  tool: 'tracecart-load';
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  /** The options the run used (the JSON's `config`). */
  config: Pick<
    LoadOptions,
    'url' | 'ratePerSec' | 'durationSec' | 'declineShare' | 'maxItems' | 'concurrencyCap' | 'timeoutMs' | 'shippedSample'
  > & { seed: number | null; rush: RushOptions | null };
  rate: {
    targetPerSec: number;
    achievedPerSec: number;
    scheduled: number;
    sent: number;
    dropped: number;
    completed: number;
    sendWindowSec: number;
    throughputPerSec: number;
  };
  latencyMs: LatencyStats | null;
  serviceTimeMs: LatencyStats | null;
  sendLagMs: LatencyStats | null;
  outcomes: OutcomeCounts;
  shipped: ShippedStats;
  slowest: SlowTrace[];
  client: {
    cpuPercent: number;
    maxInFlight: number;
    eventLoopDelayP99Ms: number;
  };
}

export interface RateInputs {
  ratePerSec: number;
  scheduled: number;
  sent: number;
  dropped: number;
  completed: number;
  /** Monotonic ms: first scheduled send, last actual send, last completion (undefined when none). */
  startAt: number;
  lastSendAt: number | undefined;
  lastDoneAt: number | undefined;
}

const round = (value: number, digits = 3): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/**
 * Achieved rate: requests sent over the window they were sent in. The window runs from the first scheduled
 * send to the last actual send plus one interval, so a schedule kept exactly gives exactly the target
 * (n requests at 0, 1/r, …, (n−1)/r span n/r seconds), a client falling behind gives less, and dropped
 * requests lower the count.
 */
export function rateFigures(input: RateInputs): LoadSummary['rate'] {
  const interval = 1 / input.ratePerSec;
  const sendWindowSec = input.lastSendAt === undefined ? 0 : (input.lastSendAt - input.startAt) / 1000 + interval;
  const doneWindowSec = input.lastDoneAt === undefined ? 0 : (input.lastDoneAt - input.startAt) / 1000;
  return {
    targetPerSec: input.ratePerSec,
    achievedPerSec: sendWindowSec > 0 ? round(input.sent / sendWindowSec) : 0,
    scheduled: input.scheduled,
    sent: input.sent,
    dropped: input.dropped,
    completed: input.completed,
    sendWindowSec: round(sendWindowSec, 6),
    throughputPerSec: doneWindowSec > 0 ? round(input.completed / doneWindowSec) : 0,
  };
}
