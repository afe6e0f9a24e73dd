import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { SpanLabelProcessor, labelSpansOnStart } from './span-labels';

describe('SpanLabelProcessor', () => {
  it('labels spans by name with what the labellers answer as each span starts, until a labeller is removed', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SpanLabelProcessor(), new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('span-labels-test');
    let on = true;
    const remove = labelSpansOnStart((name) => (on && name === 'checkout' ? { 'app.scenario.pool_starvation': true } : undefined));
    try {
      tracer.startSpan('checkout', { attributes: { 'app.customer.id': 'c-1' } }).end();
      tracer.startSpan('other').end();
      on = false;
      tracer.startSpan('checkout').end();
    } finally {
      remove();
    }
    tracer.startSpan('checkout').end();
    const attributes = exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: { ...span.attributes } }));
    assert.deepEqual(attributes, [
      { name: 'checkout', attributes: { 'app.customer.id': 'c-1', 'app.scenario.pool_starvation': true } },
      { name: 'other', attributes: {} },
      { name: 'checkout', attributes: {} },
      { name: 'checkout', attributes: {} },
    ]);
  });
});
