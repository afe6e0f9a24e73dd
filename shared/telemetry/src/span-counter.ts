/** A span processor that only counts, so a benchmark can compare spans emitted with spans stored in Jaeger. */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export class SpanCounter implements SpanProcessor {
  private started = 0;
  private ended = 0;

  onStart(_span: Span, _parentContext: Context): void {
    this.started += 1;
  }

  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.ended += 1;
  }

  counts(): { started: number; ended: number } {
    return { started: this.started, ended: this.ended };
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
