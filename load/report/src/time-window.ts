/** `--since` / `--until` values: an ISO date-time, `now`, or a time ago like `90s`, `10m`, `2h`, `1d`. */

const unitsMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTime(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  if (value === 'now') return now;
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * unitsMs[relative[2]!]!);
  // Only things that look like dates: Date.parse alone accepts "5" as the year 2005.
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }
  throw new Error(`not a time: "${text}" (use an ISO date-time like 2025-01-31T10:00:00Z, "now", or a time ago like 90s, 10m, 2h, 1d)`);
}

export interface TimeWindow {
  since: Date;
  until: Date;
}

export function parseWindow(since: string, until: string, now: Date = new Date()): TimeWindow {
  const window = { since: parseTime(since, now), until: parseTime(until, now) };
  if (window.since.getTime() >= window.until.getTime()) {
    throw new Error(`--since (${window.since.toISOString()}) must be before --until (${window.until.toISOString()})`);
  }
  return window;
}
