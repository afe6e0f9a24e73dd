import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueCount, runSchedule, scheduledOffsetMs, totalRequests } from './schedule';

describe('arrival schedule (pure)', () => {
  it('plans rate × duration requests, rounded', () => {
    assert.equal(totalRequests(500, 10), 5000);
    assert.equal(totalRequests(0.5, 3), 2); // 1.5 rounds to 2
    assert.equal(totalRequests(3.3, 10), 33);
  });

  it('puts request i at i/rate seconds', () => {
    assert.equal(scheduledOffsetMs(0, 700), 0);
    assert.equal(scheduledOffsetMs(7, 700), 10);
    assert.equal(scheduledOffsetMs(3, 0.5), 6000);
  });

  it('counts a request due exactly at its scheduled time, and none before', () => {
    for (const rate of [1, 3, 7, 100, 333, 700]) {
      for (let i = 0; i < 2000; i += 1) {
        const at = scheduledOffsetMs(i, rate);
        assert.equal(dueCount(at, rate, 10_000), i + 1, `rate ${rate}, request ${i} at its time`);
        if (i > 0) assert.equal(dueCount(at - 1e-6, rate, 10_000), i, `rate ${rate}, just before request ${i}`);
      }
    }
  });

  it('never counts more than the total, nor anything before the start', () => {
    assert.equal(dueCount(1e9, 100, 42), 42);
    assert.equal(dueCount(-1, 100, 42), 0);
    assert.equal(dueCount(0, 100, 0), 0);
  });
});

/** A fake monotonic clock whose waits advance it: each wake-up comes `lateness(n)` ms after asked. */
function fakeClock(lateness: (wakeUp: number) => number) {
  let now = 1000;
  let wakeUps = 0;
  const pending: Array<() => void> = [];
  return {
    now: () => now,
    wait: (callback: () => void, ms: number) => {
      now += Math.max(0, ms) + lateness(wakeUps);
      wakeUps += 1;
      pending.push(callback);
      queueMicrotask(() => pending.shift()!());
    },
    advance: (ms: number) => {
      now += ms;
    },
    get wakeUps() {
      return wakeUps;
    },
  };
}

describe('runSchedule', () => {
  it('dispatches every request once, in order, never before its time, each with its own scheduled time', async () => {
    const clock = fakeClock((n) => (n % 7) * 0.3);
    const seen: Array<{ index: number; scheduledAt: number; at: number }> = [];
    const result = await runSchedule({
      ratePerSec: 250,
      total: 500,
      now: clock.now,
      wait: clock.wait,
      onDue: (index, scheduledAt) => seen.push({ index, scheduledAt, at: clock.now() }),
    });
    assert.equal(result.dispatched, 500);
    assert.equal(result.aborted, false);
    assert.deepEqual(
      seen.map((s) => s.index),
      Array.from({ length: 500 }, (_, i) => i),
    );
    for (const s of seen) {
      assert.equal(s.scheduledAt, result.startAt + s.index * 4);
      assert.ok(s.at >= s.scheduledAt, `request ${s.index} sent before its time`);
      assert.ok(s.at - s.scheduledAt <= 1.8 + 1e-9, `request ${s.index} sent ${s.at - s.scheduledAt} ms late`);
    }
  });

  it('after a stall sends everything that fell due at once, keeping the original times (no coordinated omission)', async () => {
    // The 10th wake-up comes 200 ms late: 50 requests at 250/s fell due meanwhile.
    const clock = fakeClock((n) => (n === 10 ? 200 : 0));
    const seen: Array<{ index: number; scheduledAt: number; at: number }> = [];
    const result = await runSchedule({
      ratePerSec: 250,
      total: 300,
      now: clock.now,
      wait: clock.wait,
      onDue: (index, scheduledAt) => seen.push({ index, scheduledAt, at: clock.now() }),
    });
    const burst = seen.filter((s) => s.at - s.scheduledAt > 1);
    assert.ok(burst.length >= 49 && burst.length <= 51, `burst of ${burst.length}`);
    assert.ok(
      burst.every((s) => s.at === burst[0]!.at),
      'the late ones all go out on the same wake-up',
    );
    // The schedule was not shifted: the last request is still due at start + 299 × 4 ms.
    assert.equal(seen[299]!.scheduledAt, result.startAt + 299 * 4);
    assert.equal(seen[299]!.at, seen[299]!.scheduledAt);
  });

  it('stops dispatching when aborted and reports it', async () => {
    const clock = fakeClock(() => 0);
    const controller = new AbortController();
    let count = 0;
    const result = await runSchedule({
      ratePerSec: 100,
      total: 1000,
      now: clock.now,
      wait: clock.wait,
      signal: controller.signal,
      onDue: () => {
        count += 1;
        if (count === 37) controller.abort();
      },
    });
    assert.equal(result.aborted, true);
    assert.equal(result.dispatched, 37);
    assert.equal(count, 37);
  });

  it('ends at once when aborted during a long wait', async () => {
    const controller = new AbortController();
    let waits = 0;
    const started = performance.now();
    const done = runSchedule({
      ratePerSec: 0.01, // one request per 100 s
      total: 5,
      signal: controller.signal,
      wait: () => {
        waits += 1;
        controller.abort(); // never calls back: only the abort can end the schedule
      },
      onDue: () => undefined,
    });
    const result = await done;
    assert.equal(waits, 1);
    assert.equal(result.dispatched, 1);
    assert.equal(result.aborted, true);
    assert.ok(performance.now() - started < 1000);
  });

  it('keeps a real-clock schedule: 200 requests at 1000/s, none before its time', async () => {
    const lags: number[] = [];
    const result = await runSchedule({
      ratePerSec: 1000,
      total: 200,
      onDue: (_i, scheduledAt) => lags.push(performance.now() - scheduledAt),
    });
    const elapsed = performance.now() - result.startAt;
    assert.equal(lags.length, 200);
    // Never early; late only by what a busy machine's scheduler adds.
    assert.ok(elapsed >= 199 && elapsed < 5000, `took ${elapsed} ms`);
    assert.ok(Math.min(...lags) >= 0);
  });
});
