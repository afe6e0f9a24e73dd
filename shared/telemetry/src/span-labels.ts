/**
 * Attributes a span gets as it starts, chosen by its name from state outside the code that makes it
 * (the pathology switches label the spans they touch). A span processor of the SDK applies them, so the
 * business code that makes the span does not have to know about them.
 */
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** The attributes for a span of this name now, or undefined. */
export type SpanLabeller = (spanName: string) => Attributes | undefined;

const labellers = new Set<SpanLabeller>();

/** Labels every span that starts from now on with what `labeller` answers for its name; returns the undo. */
export function labelSpansOnStart(labeller: SpanLabeller): () => void {
  labellers.add(labeller);
  return () => labellers.delete(labeller);
}

export class SpanLabelProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    for (const labeller of labellers) {
      const attributes = labeller(span.name);
      if (attributes) span.setAttributes(attributes);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
