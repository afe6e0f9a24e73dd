/** A span processor that only counts, so a benchmark can compare spans emitted with spans stored in Jaeger. */
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

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

/** Wraps the real exporter to count spans it delivered and spans whose export failed. */
export class CountingExporter implements SpanExporter {
  private exported = 0;
  private failed = 0;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      else this.failed += spans.length;
      resultCallback(result);
    });
  }

  counts(): { exported: number; failed: number } {
    return { exported: this.exported, failed: this.failed };
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
