/**
 * Checkout-to-shipped latency. For a sample of created orders, polls `GET /orders/:id` every pollMs until
 * the order is SHIPPED, turns PAYMENT_FAILED, or the deadline (checkout's scheduled send + timeoutMs)
 * passes. Two measures, kept apart from the HTTP latency:
 *  - latency: from the checkout's scheduled send to the first poll that saw SHIPPED (client clock;
 *    its resolution is the poll interval),
 *  - serverLatency: the order's own createdAt → shippedAt (service clock; exact, without the polling).
 * At most maxTracked orders are followed at once; a sampled order past that is counted as skipped.
 */
import type { HttpClient } from './http-client';
import { LatencyHistogram, type LatencyStats } from './histogram';

export interface ShippedOptions {
  pollMs: number;
  timeoutMs: number;
  maxTracked: number;
}

export interface ShippedStats {
  /** Orders chosen for measurement (skipped excluded). */
  sampled: number;
  shipped: number;
  notShippedInTime: number;
  /** Orders that turned PAYMENT_FAILED while followed (cannot ship). */
  paymentFailed: number;
  /** Sampled while maxTracked orders were already followed: not measured. */
  skipped: number;
  /** Followed when the run was interrupted. */
  abandoned: number;
  /** Polls that failed (network error, timeout, non-200); polling went on until the deadline. */
  pollErrors: number;
  polls: number;
  pollMs: number;
  timeoutMs: number;
  latencyMs: LatencyStats | null;
  serverLatencyMs: LatencyStats | null;
}

export class ShippedTracker {
  private readonly latency = new LatencyHistogram();
  private readonly serverLatency = new LatencyHistogram();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idle: Array<() => void> = [];
  private tracked = 0;
  private sampled = 0;
  private shipped = 0;
  private notShippedInTime = 0;
  private paymentFailed = 0;
  private skipped = 0;
  private abandoned = 0;
  private pollErrors = 0;
  private polls = 0;
  private stopped = false;

  constructor(
    private readonly client: HttpClient,
    private readonly options: ShippedOptions,
  ) {}

  /** Orders being followed right now. */
  get pending(): number {
    return this.tracked;
  }

  /** Follows one created order; `checkoutAt` is its checkout's scheduled send (monotonic ms). */
  track(orderId: string, checkoutAt: number): void {
    if (this.stopped) return;
    if (this.tracked >= this.options.maxTracked) {
      this.skipped += 1;
      return;
    }
    this.sampled += 1;
    this.tracked += 1;
    this.schedulePoll(orderId, checkoutAt, performance.now() + this.options.pollMs);
  }

  private schedulePoll(orderId: string, checkoutAt: number, at: number): void {
    const deadline = checkoutAt + this.options.timeoutMs;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.poll(orderId, checkoutAt);
      },
      Math.max(0, Math.min(at, deadline) - performance.now()),
    );
    this.timers.add(timer);
  }

  private async poll(orderId: string, checkoutAt: number): Promise<void> {
    if (this.stopped) return;
    this.polls += 1;
    const result = await this.client.request('GET', `/orders/${encodeURIComponent(orderId)}`);
    if (this.stopped) return;
    const seenAt = result.endAt;
    if (result.kind === 'response' && result.status === 200 && result.body && typeof result.body === 'object') {
      const order = result.body as { status?: unknown; createdAt?: unknown; shippedAt?: unknown };
      if (order.status === 'SHIPPED') {
        this.shipped += 1;
        this.latency.record(seenAt - checkoutAt);
        const created = typeof order.createdAt === 'string' ? Date.parse(order.createdAt) : NaN;
        const shipped = typeof order.shippedAt === 'string' ? Date.parse(order.shippedAt) : NaN;
        if (Number.isFinite(created) && Number.isFinite(shipped)) this.serverLatency.record(shipped - created);
        this.release();
        return;
      }
      if (order.status === 'PAYMENT_FAILED') {
        this.paymentFailed += 1;
        this.release();
        return;
      }
    } else {
      this.pollErrors += 1;
    }
    if (seenAt >= checkoutAt + this.options.timeoutMs) {
      this.notShippedInTime += 1;
      this.release();
      return;
    }
    this.schedulePoll(orderId, checkoutAt, seenAt + this.options.pollMs);
  }

  private release(): void {
    this.tracked -= 1;
    if (this.tracked === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once every followed order is settled (each is bounded by its deadline). */
  drain(): Promise<void> {
    if (this.tracked === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops polling; orders still followed count as abandoned. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abandoned += this.tracked;
    this.tracked = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  stats(): ShippedStats {
    return {
      sampled: this.sampled,
      shipped: this.shipped,
      notShippedInTime: this.notShippedInTime,
      paymentFailed: this.paymentFailed,
      skipped: this.skipped,
      abandoned: this.abandoned,
      pollErrors: this.pollErrors,
      polls: this.polls,
      pollMs: this.options.pollMs,
      timeoutMs: this.options.timeoutMs,
      latencyMs: this.latency.stats(),
      serverLatencyMs: this.serverLatency.stats(),
    };
  }
}
