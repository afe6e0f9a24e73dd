/**
 * The event loop's delay, as the process saw it over the last second or so (perf_hooks'
 * monitorEventLoopDelay): how late timers fired because synchronous work held the loop. Services put it
 * on their server spans (`nodejs.eventloop.delay.max_ms`, `.p99_ms`), where a blocked loop shows as a
 * delay of tens of milliseconds instead of a few.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;

const WINDOW_MS = 1_000;

let histogram: IntervalHistogram | undefined;
let previous = { maxMs: 0, p99Ms: 0 };

function start(): IntervalHistogram {
  const created = monitorEventLoopDelay({ resolution: 10 });
  created.enable();
  const rotate = setInterval(() => {
    previous = { maxMs: created.max / 1e6, p99Ms: created.percentile(99) / 1e6 };
    created.reset();
  }, WINDOW_MS);
  rotate.unref();
  return created;
}

export interface EventLoopDelay {
  /** The largest delay seen in the current and the previous window, in ms. */
  maxMs: number;
  p99Ms: number;
}

/** The loop's recent delay; the first call starts measuring. */
export function eventLoopDelay(): EventLoopDelay {
  histogram ??= start();
  const current = histogram.count > 0 ? { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 } : { maxMs: 0, p99Ms: 0 };
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { maxMs: round(Math.max(current.maxMs, previous.maxMs)), p99Ms: round(Math.max(current.p99Ms, previous.p99Ms)) };
}

/** The span attributes that carry it. */
export function eventLoopDelayAttributes(): Record<string, number> {
  const delay = eventLoopDelay();
  return { 'nodejs.eventloop.delay.max_ms': delay.maxMs, 'nodejs.eventloop.delay.p99_ms': delay.p99Ms };
}
