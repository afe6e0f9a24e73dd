/** Small statistics over lists of numbers: nearest-rank percentiles and a summary. */

/** Nearest-rank percentile (p in 0..100) of the values; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function summarise(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  return {
    count: values.length,
    p50: percentile(values, 50)!,
    p95: percentile(values, 95)!,
    max: Math.max(...values),
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
  };
}

/** Rounds for display and for the JSON document (0.1 ms and 0.1 % are plenty). */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
