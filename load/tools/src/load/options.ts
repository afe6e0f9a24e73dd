/**
 * What a load run is asked to do: its options, their defaults and their validation. Apart from the
 * generator, so the summary can describe a run's options without importing the generator.
 */
import { totalRequests } from './schedule';

export interface LoadOptions {
  /** Order service base URL. */
  url: string;
  ratePerSec: number;
  durationSec: number;
  declineShare: number;
  maxItems: number;
  /** Most checkouts in flight; one due beyond it is dropped (counted), never delayed. */
  concurrencyCap: number;
  timeoutMs: number;
  shippedSample: number;
  shippedPollMs: number;
  shippedTimeoutMs: number;
  /** Most orders followed for checkout-to-shipped at once. */
  shippedMaxTracked: number;
  /** How many of the slowest traces to list. */
  slowest: number;
  jaegerUiUrl: string;
  /** Customers fetched for the carts (GET /customers?limit=). */
  customerLimit: number;
  /** Seeds the carts and the shipped sampling; unseeded when undefined. */
  seed?: number;
  /** Stops the schedule; in-flight requests finish, shipped polling stops. */
  signal?: AbortSignal;
  /**
   * Rushes on top of the steady rate (a flash sale, a campaign e-mail): every `everySec` seconds,
   * `size` more checkouts fall due at once, each a cart of `lines` lines. Concurrency and large carts
   * are what lock waits, pool waits, a blocked event loop and N+1 staircases need to show.
   */
  rush?: RushOptions;
}

export interface RushOptions {
  everySec: number;
  size: number;
  lines: number;
}

/** How many rushes fall inside a run: at everySec, 2·everySec, … before its end. */
export function rushCount(rush: RushOptions | undefined, durationSec: number): number {
  return rush ? Math.max(0, Math.ceil(durationSec / rush.everySec) - 1) : 0;
}

export const DEFAULT_OPTIONS = {
  declineShare: 0.05,
  maxItems: 20,
  concurrencyCap: 1000,
  timeoutMs: 10_000,
  shippedSample: 0.05,
  shippedPollMs: 100,
  shippedTimeoutMs: 30_000,
  shippedMaxTracked: 500,
  slowest: 10,
  customerLimit: 1000,
} satisfies Partial<LoadOptions>;

/** Validates options, throwing a RangeError naming the first bad one. */
export function checkOptions(options: LoadOptions): void {
  const positive = (name: string, value: number): void => {
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number (got ${value})`);
  };
  const share = (name: string, value: number): void => {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1 (got ${value})`);
  };
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got ${value})`);
    }
  };
  positive('rate', options.ratePerSec);
  positive('duration', options.durationSec);
  share('decline-share', options.declineShare);
  share('shipped-sample', options.shippedSample);
  integer('max-items', options.maxItems, 1, 50);
  integer('concurrency-cap', options.concurrencyCap, 1);
  positive('timeout', options.timeoutMs);
  positive('shipped poll interval', options.shippedPollMs);
  positive('shipped-timeout', options.shippedTimeoutMs);
  integer('shipped max tracked', options.shippedMaxTracked, 1);
  integer('slowest', options.slowest, 0);
  integer('customer limit', options.customerLimit, 1, 10_000);
  if (options.rush) {
    positive('rush-every', options.rush.everySec);
    integer('rush-size', options.rush.size, 1, 100);
    integer('rush-lines', options.rush.lines, 1, 50);
  }
  if (totalRequests(options.ratePerSec, options.durationSec) < 1) throw new RangeError('rate × duration must be at least one request');
  new URL(options.url);
}
