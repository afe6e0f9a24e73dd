import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from './histogram';

describe('LatencyHistogram', () => {
  it('has no stats without samples', () => {
    const h = new LatencyHistogram();
    assert.equal(h.stats(), null);
    assert.equal(h.percentile(99), undefined);
    assert.equal(h.count, 0);
  });

  it('gives percentiles of 1 … 10000 ms within the histogram precision (0.1%)', () => {
    const h = new LatencyHistogram();
    // Shuffled order: the result must not depend on it.
    const values = Array.from({ length: 10_000 }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % 10_007) - ((b * 7919) % 10_007));
    for (const v of values) h.record(v);
    const stats = h.stats()!;
    assert.equal(stats.count, 10_000);
    assert.equal(stats.min, 1);
    assert.equal(stats.max, 10_000);
    const near = (actual: number, expected: number): void =>
      assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 0.001, `${actual} vs ${expected}`);
    near(stats.p50, 5000);
    near(stats.p90, 9000);
    near(stats.p99, 9900);
    near(stats.p999, 9990);
    near(stats.mean, 5000.5);
  });

  it('keeps sub-millisecond resolution and never reports a percentile below the value it covers', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 99; i += 1) h.record(20.25);
    h.record(0.5);
    const stats = h.stats()!;
    assert.equal(stats.min, 0.5);
    assert.equal(stats.max, 20.25);
    assert.ok(stats.p50 >= 20.25 && stats.p50 <= 20.25 * 1.001, `p50 ${stats.p50}`);
    assert.ok(stats.p99 <= stats.max, 'percentiles never exceed the largest value');
  });

  it('reset forgets everything', () => {
    const h = new LatencyHistogram();
    h.record(100);
    h.reset();
    assert.equal(h.stats(), null);
    h.record(3);
    assert.deepEqual([h.stats()!.min, h.stats()!.max, h.stats()!.count], [3, 3, 1]);
  });

  it('records negative values as 0', () => {
    const h = new LatencyHistogram();
    h.record(-2);
    assert.equal(h.stats()!.min, 0);
  });
});
