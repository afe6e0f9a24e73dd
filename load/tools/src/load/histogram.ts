/**
 * Latency histograms (HdrHistogram, hdr-histogram-js) recorded in whole microseconds with 3 significant
 * digits (0.1% resolution), summarised in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

/** Milliseconds (count excepted); a histogram without samples has no stats at all (null). */
export interface LatencyStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Rounds to `digits` decimals (3 by default: microseconds when the value is in ms). */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export class LatencyHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Exact extremes in ms (the histogram's own are rounded to its buckets). */
  private min = Infinity;
  private max = -Infinity;

  /** Records one value in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const value = Math.max(0, ms);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.histogram.recordValue(Math.round(value * 1000));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The value at a percentile (0–100) in ms, or undefined without samples. */
  percentile(percentile: number): number | undefined {
    if (this.histogram.totalCount === 0) return undefined;
    return this.clamped(percentile);
  }

  /** Summary in ms, or null when nothing was recorded. */
  stats(): LatencyStats | null {
    const h = this.histogram;
    if (h.totalCount === 0) return null;
    const at = (p: number): number => this.clamped(p);
    return {
      count: h.totalCount,
      min: round(this.min),
      mean: round(h.mean / 1000),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: round(this.max),
    };
  }

  /** A bucket's upper edge can lie past the largest value recorded: keep percentiles within [min, max]. */
  private clamped(percentile: number): number {
    const value = this.histogram.getValueAtPercentile(percentile) / 1000;
    return round(Math.min(this.max, Math.max(this.min, value)));
  }

  reset(): void {
    this.histogram.reset();
    this.min = Infinity;
    this.max = -Infinity;
  }
}
