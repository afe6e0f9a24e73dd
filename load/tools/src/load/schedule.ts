/**
 * Open-model arrival schedule. Request i is due at start + i·1000/rate milliseconds, computed from the
 * start time alone: no send ever waits for an earlier response, and a late wake-up sends every request
 * that fell due in one go, each keeping its own scheduled time (latency is measured from it), so a slow
 * client or server never stretches the schedule (no coordinated omission).
 */

/** Number of requests in a run: rate × duration, rounded to the nearest whole request. */
export function totalRequests(ratePerSec: number, durationSec: number): number {
  return Math.round(ratePerSec * durationSec);
}

/** When request `index` is due, in milliseconds after the start. */
export function scheduledOffsetMs(index: number, ratePerSec: number): number {
  return (index * 1000) / ratePerSec;
}

/** How many requests (indices 0 … result−1) are due `elapsedMs` after the start, at most `total`. */
export function dueCount(elapsedMs: number, ratePerSec: number, total: number): number {
  if (elapsedMs < 0 || total <= 0) return 0;
  let count = Math.min(total, Math.floor((elapsedMs * ratePerSec) / 1000) + 1);
  // The division above and scheduledOffsetMs may round differently at an exact boundary: settle on the
  // definition "index i is due when scheduledOffsetMs(i) <= elapsedMs".
  while (count < total && scheduledOffsetMs(count, ratePerSec) <= elapsedMs) count += 1;
  while (count > 0 && scheduledOffsetMs(count - 1, ratePerSec) > elapsedMs) count -= 1;
  return count;
}

export interface ScheduleOptions {
  ratePerSec: number;
  total: number;
  /** Called once per request, in index order, at or after its scheduled time (a monotonic ms timestamp). */
  onDue: (index: number, scheduledAt: number) => void;
  /** Stops the schedule early; requests not yet due are never sent. */
  signal?: AbortSignal;
  /** Monotonic clock in ms; performance.now by default. */
  now?: () => number;
  /** Waits about `ms` (maybe less) and calls back; tests pass a fake. */
  wait?: (callback: () => void, ms: number) => void;
}

export interface ScheduleResult {
  /** Monotonic timestamp of request 0's scheduled time. */
  startAt: number;
  /** How many requests were handed to onDue (less than total only when aborted). */
  dispatched: number;
  aborted: boolean;
}

/**
 * Default waiting: a timer of at least 1 ms (Node timers have 1 ms granularity), so a request goes out
 * within about a millisecond of its time. Spinning on setImmediate for sub-millisecond gaps was measured
 * at 2 to 4 times the CPU for no better tail, CPU taken from the system under test on a small machine.
 */
function defaultWait(callback: () => void, ms: number): void {
  setTimeout(callback, Math.max(1, Math.floor(ms)));
}

/** Runs the schedule; resolves once every request was dispatched or the signal aborted it. */
export function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { ratePerSec, total, onDue, signal } = options;
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError('ratePerSec must be a positive number');
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ?? defaultWait;
  const startAt = now();
  let next = 0;

  return new Promise((resolve) => {
    let finished = false;
    const finish = (aborted: boolean): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      resolve({ startAt, dispatched: next, aborted });
    };
    // An abort during a long wait (low rates) ends the schedule at once instead of at the next wake-up.
    const onAbort = (): void => finish(next < total);
    signal?.addEventListener('abort', onAbort);

    const tick = (): void => {
      if (finished) return;
      if (signal?.aborted) {
        finish(next < total);
        return;
      }
      const due = dueCount(now() - startAt, ratePerSec, total);
      while (next < due && !finished) {
        const index = next;
        next += 1; // before the call: an abort inside onDue must count this request as dispatched
        onDue(index, startAt + scheduledOffsetMs(index, ratePerSec));
      }
      if (next >= total) {
        finish(false);
        return;
      }
      if (finished) return;
      wait(tick, startAt + scheduledOffsetMs(next, ratePerSec) - now());
    };
    tick();
  });
}
