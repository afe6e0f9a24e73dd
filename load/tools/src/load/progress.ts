/**
 * Live progress on stderr: on a TTY one line rewritten every second; otherwise (CI, a pipe, a file) a plain
 * line every 5 seconds; nothing with --quiet. Each line covers the interval since the previous one for the
 * rate and the p99, and the whole run for the counts.
 */

export interface ProgressSnapshot {
  phase: 'sending' | 'draining' | 'shipping';
  elapsedSec: number;
  sent: number;
  completed: number;
  inFlight: number;
  dropped: number;
  errors: number;
  /** Requests sent per second over the last interval. */
  ratePerSec: number;
  /** Requests answered (with any status) per second over the last interval. */
  answeredPerSec: number;
  /** p50, p95, p99 HTTP latency over the last interval, ms; undefined when nothing completed in it. */
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  p99Ms: number | undefined;
  /** Orders still followed for checkout-to-shipped. */
  shippedPending: number;
}

export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}

export function formatProgress(snapshot: ProgressSnapshot, targetPerSec: number): string {
  const parts = [
    `${formatDuration(snapshot.elapsedSec)}`,
    snapshot.phase === 'sending' ? `sent ${snapshot.sent}` : `${snapshot.phase} (sent ${snapshot.sent})`,
    `done ${snapshot.completed}`,
    `in-flight ${snapshot.inFlight}`,
    `rate ${snapshot.ratePerSec.toFixed(1)}/${targetPerSec}/s`,
    `p99 ${formatMs(snapshot.p99Ms)}`,
    `errors ${snapshot.errors}`,
  ];
  if (snapshot.dropped > 0) parts.push(`dropped ${snapshot.dropped}`);
  if (snapshot.shippedPending > 0) parts.push(`shipping-watch ${snapshot.shippedPending}`);
  return parts.join('  ');
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  quiet: boolean;
  targetPerSec: number;
  /** Returns the current snapshot and starts a new interval. */
  take: () => ProgressSnapshot;
}

export interface ProgressHandle {
  stop(): void;
}

/** Starts printing progress; stop() ends the line (on a TTY) and the timer. */
export function startProgress(options: ProgressOptions): ProgressHandle {
  if (options.quiet) return { stop: () => undefined };
  const tty = options.stream.isTTY === true;
  const timer = setInterval(
    () => {
      const line = formatProgress(options.take(), options.targetPerSec);
      if (tty) options.stream.write(`\r\x1b[2K${line}`);
      else options.stream.write(`${line}\n`);
    },
    tty ? 1000 : 5000,
  );
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (tty) options.stream.write('\r\x1b[2K');
    },
  };
}
