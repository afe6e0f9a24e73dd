import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { formatDuration, formatMs, formatProgress, startProgress, type ProgressSnapshot } from './progress';

const snapshot: ProgressSnapshot = {
  phase: 'sending',
  elapsedSec: 75.4,
  sent: 7540,
  completed: 7512,
  inFlight: 28,
  dropped: 0,
  errors: 3,
  ratePerSec: 99.96,
  answeredPerSec: 99.5,
  p50Ms: 12.5,
  p95Ms: 40.1,
  p99Ms: 48.25,
  shippedPending: 0,
};

describe('progress line', () => {
  it('shows elapsed, sent, completed, in flight, rate against target, p99 and errors', () => {
    assert.equal(formatProgress(snapshot, 100), '1:15  sent 7540  done 7512  in-flight 28  rate 100.0/100/s  p99 48.3ms  errors 3');
  });

  it('adds dropped requests, the shipped watch and the phase when there is something to say', () => {
    const line = formatProgress({ ...snapshot, phase: 'draining', dropped: 12, shippedPending: 4, p99Ms: undefined }, 100);
    assert.match(line, /draining \(sent 7540\)/);
    assert.match(line, /p99 -/);
    assert.match(line, /dropped 12/);
    assert.match(line, /shipping-watch 4/);
  });

  it('formats durations and latencies', () => {
    assert.equal(formatDuration(0.4), '0:00');
    assert.equal(formatDuration(0.99), '0:01');
    assert.equal(formatDuration(3599), '59:59');
    assert.equal(formatMs(0.25), '0.3ms');
    assert.equal(formatMs(250.4), '250ms');
    assert.equal(formatMs(12_345), '12.3s');
  });
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (chunk: string) => writes.push(chunk) } as unknown as NodeJS.WriteStream };
}

describe('startProgress', () => {
  it('rewrites one line every second on a terminal', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { writes, stream } = fakeStream(true);
    let takes = 0;
    const handle = startProgress({ stream, quiet: false, targetPerSec: 100, take: () => ({ ...snapshot, sent: ++takes }) });
    t.mock.timers.tick(999);
    assert.equal(writes.length, 0);
    t.mock.timers.tick(1);
    t.mock.timers.tick(1000);
    assert.equal(writes.length, 2);
    assert.ok(writes.every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n')));
    assert.match(writes[1]!, /sent 2 /);
    handle.stop();
    t.mock.timers.tick(5000);
    assert.equal(writes.length, 3, 'stop clears the line and nothing follows');
    assert.equal(writes[2], '\r\x1b[2K');
  });

  it('prints a plain line every 5 seconds elsewhere', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { writes, stream } = fakeStream(false);
    const handle = startProgress({ stream, quiet: false, targetPerSec: 100, take: () => snapshot });
    t.mock.timers.tick(4999);
    assert.equal(writes.length, 0);
    t.mock.timers.tick(1);
    t.mock.timers.tick(5000);
    assert.equal(writes.length, 2);
    assert.ok(writes.every((w) => w.endsWith('\n') && !w.includes('\r')));
    handle.stop();
    t.mock.timers.tick(10_000);
    assert.equal(writes.length, 2);
  });

  it('prints nothing when quiet', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { writes, stream } = fakeStream(true);
    const take = mock.fn(() => snapshot);
    startProgress({ stream, quiet: true, targetPerSec: 100, take }).stop();
    t.mock.timers.tick(10_000);
    assert.equal(writes.length, 0);
    assert.equal(take.mock.callCount(), 0);
  });
});
