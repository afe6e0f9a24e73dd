/** The sampling-check figures over hand-made traces: classes, shares, completeness, the spans cut. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlatSpan } from '@tracecart/jaeger-client';
import { checkoutTraces, samplingFigures } from './figures';

function span(traceId: string, spanId: string, service: string, startMs: number, endMs: number, extra: Partial<FlatSpan> = {}): FlatSpan {
  return {
    traceId,
    spanId,
    parentSpanId: spanId === 'root' ? undefined : 'root',
    service,
    name: spanId === 'root' ? 'POST /checkout' : 'work',
    kind: spanId === 'root' ? 2 : 1,
    startMs,
    endMs,
    durationMs: endMs - startMs,
    attributes: {},
    events: [],
    statusCode: 0,
    statusMessage: undefined,
    links: [],
    ...extra,
  };
}

/** A checkout trace: root at order, one payment span, one shipping span ending at `endMs`. */
function checkout(traceId: string, endMs: number, error = false): FlatSpan[] {
  return [
    span(traceId, 'root', 'order-service', 0, 100),
    span(traceId, 'p', 'payment-service', 10, 50, error ? { statusCode: 2 } : {}),
    span(traceId, 's', 'shipping-service', 200, endMs),
  ];
}

describe('sampling figures', () => {
  const truthSpans = [
    ...checkout('err', 300, true),
    ...checkout('slow', 2_000),
    ...checkout('edge', 1_020),
    ...Array.from({ length: 10 }, (_, i) => checkout(`fast${i}`, 400)).flat(),
    // Not a checkout: a GET /products trace is left out.
    span('other', 'root', 'order-service', 0, 5, { name: 'GET /products' }),
  ];
  const truth = checkoutTraces(truthSpans);
  // Kept: the error trace without its shipping span, the slow one whole, one fast one.
  const kept = checkoutTraces([...checkout('err', 300, true).slice(0, 2), ...checkout('slow', 2_000), ...checkout('fast3', 400)]);
  const figures = samplingFigures(truth, kept, 1_000, 50);

  it('counts only checkout traces and measures them through their last span', () => {
    assert.equal(truth.size, 13);
    assert.equal(truth.get('slow')?.durationMs, 2_000);
    assert.equal(truth.get('err')?.error, true);
  });

  it('sorts traces into errors, slow, borderline and the rest, with kept shares', () => {
    assert.deepEqual(figures.traces.errors, { total: 1, kept: 1, keptPct: 100 });
    assert.deepEqual(figures.traces.slow, { total: 1, kept: 1, keptPct: 100 });
    assert.deepEqual(figures.traces.borderline, { total: 1, kept: 0, keptPct: 0 });
    assert.deepEqual(figures.traces.rest, { total: 10, kept: 1, keptPct: 10 });
  });

  it('finds a kept trace that lost spans, and computes the spans cut', () => {
    assert.deepEqual(figures.completeness, { kept: 3, incomplete: 1, spansMissing: 1, examples: ['err'] });
    assert.equal(figures.spans.unsampled, 39);
    assert.equal(figures.spans.stored, 8);
    assert.equal(figures.spans.cutPct, 79.5);
  });

  it('gives the unsampled duration percentiles', () => {
    assert.equal(figures.traceDurationMs?.count, 13);
    assert.equal(figures.traceDurationMs?.p50, 400);
    assert.equal(figures.traceDurationMs?.max, 2_000);
  });
});
