/** A span processor that only counts, so a benchmark can compare spans emitted with spans stored in Jaeger. */
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

export class SpanCounter implements SpanProcessor {
  private started = 0;
  private ended = 0;
  private roots = 0;
  /** Root spans (a trace begun in this process) by name: few distinct names, so a small map. */
  private readonly rootNames = new Map<string, number>();

  onStart(_span: Span, _parentContext: Context): void {
    this.started += 1;
  }

  onEnd(span: ReadableSpan): void {
    if (!(span.spanContext().traceFlags & 1)) return;
    this.ended += 1;
    if (!span.parentSpanContext) {
      this.roots += 1;
      this.rootNames.set(span.name, (this.rootNames.get(span.name) ?? 0) + 1);
    }
  }

  /**
   * `roots` tells a benchmark how many traces this process began: traces it did not ask for (an order
   * recovered by the sweeper, say) show up here, so their spans are not mistaken for lost ones.
   */
  counts(): { started: number; ended: number; roots: number; rootNames: Record<string, number> } {
    return { started: this.started, ended: this.ended, roots: this.roots, rootNames: Object.fromEntries(this.rootNames) };
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
