/**
 * Tail sampling in Jaeger's storage pipeline (TRACE_SAMPLING=tail, issue 14), against the real Jaeger
 * restarted through ./scripts/stack with the tail-sampling config, and restored to the default (every
 * trace kept) afterwards. The probabilistic share is 0 % here, so the outcome is decided by the two
 * deterministic policies alone:
 *   - a declined checkout (ERROR spans) is stored, whole;
 *   - a slow checkout is stored, whole: slow as its caller saw it, under a client span of the test's own
 *     lasting longer than the threshold (as the shop's browser click span roots a checkout's trace);
 *   - of a batch of ordinary paid checkouts, only those whose trace outlasted the threshold (possible on
 *     a saturated machine) are stored; the batch is thinned.
 * Statistical figures (the 10 ± 3 % share) belong to `pnpm sampling-check`, not to this test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlatSpan } from '@tracecart/jaeger-client';
import { sleep } from './faults';
import { exportClientSpan, hexId, restartWith } from './sampling-stack';
import { cart, checkout, jaeger, paidTraceComplete, services } from './stack';

const THRESHOLD_MS = 5_000;
const DECISION_WAIT_S = 12;
const tailSettings = {
  TRACE_SAMPLING: 'tail',
  TAIL_SAMPLING_PERCENT: '0',
  TAIL_SAMPLING_LATENCY_MS: String(THRESHOLD_MS),
  TAIL_SAMPLING_DECISION_WAIT: `${DECISION_WAIT_S}s`,
};
const defaults = Object.fromEntries(Object.keys(tailSettings).map((key) => [key, undefined]));

const traceDurationMs = (spans: FlatSpan[]) =>
  Math.max(...spans.map((span) => span.endMs)) - Math.min(...spans.map((span) => span.startMs));

describe('tail sampling (TRACE_SAMPLING=tail, 0 % probabilistic share)', () => {
  let declinedTrace = '';
  let slowTrace = '';
  const fastTraces: string[] = [];

  before(async () => {
    await restartWith('jaeger', tailSettings);
    const declined = await checkout(cart(2, 'tok_chargeDeclined'));
    assert.equal(declined.status, 402);
    declinedTrace = declined.body.traceId;

    // The slow one: a checkout under a client span that lasts threshold + 1.5 s.
    slowTrace = hexId(16);
    const clientSpan = hexId(8);
    const startMs = Date.now();
    const slow = await checkout(cart(2), { traceparent: `00-${slowTrace}-${clientSpan}-01` });
    assert.equal(slow.status, 201);
    assert.equal(slow.body.traceId, slowTrace);

    // The client span ends threshold + 1.5 s after it began, whatever the batch below is doing then.
    const clientSpanSent = sleep(Math.max(0, startMs + THRESHOLD_MS + 1_500 - Date.now())).then(() =>
      exportClientSpan({ traceId: slowTrace, spanId: clientSpan, name: 'place order (test client)', startMs, endMs: Date.now() }),
    );
    for (let i = 0; i < 20; i += 1) {
      const paid = await checkout(cart(2));
      assert.equal(paid.status, 201);
      fastTraces.push(paid.body.traceId);
    }
    await clientSpanSent;
    // Every decision is taken a decision wait after a trace's first span reached Jaeger.
    await sleep((DECISION_WAIT_S + 5) * 1_000);
  });

  after(async () => {
    await restartWith('jaeger', defaults);
  });

  it('stores the declined checkout, with the spans of order and payment', async () => {
    const spans = await jaeger.waitForTrace(
      declinedTrace,
      (found) => found.some((span) => span.statusCode === 2 && span.service === 'payment-service'),
      30_000,
    );
    assert.ok(
      spans.some((span) => span.statusCode === 2),
      'no ERROR span in the stored declined trace',
    );
    for (const service of ['order-service', 'payment-service'])
      assert.ok(
        spans.some((span) => span.service === service),
        `no ${service} span`,
      );
  });

  it('stores the slow checkout whole: the client span and every service through both queue hops', async () => {
    const spans = await jaeger.waitForTrace(
      slowTrace,
      (found) => paidTraceComplete(found) && found.some((span) => span.service === 'sampling-test-client'),
      30_000,
    );
    assert.ok(spans.length > 0, 'the slow trace was not stored');
    assert.ok(traceDurationMs(spans) >= THRESHOLD_MS, `stored trace lasts ${traceDurationMs(spans)} ms`);
    assert.ok(
      spans.some((span) => span.service === 'sampling-test-client'),
      'the client span is missing',
    );
    for (const service of services)
      assert.ok(
        spans.some((span) => span.service === service),
        `no ${service} span`,
      );
    assert.ok(paidTraceComplete(spans), 'the stored slow trace lacks spans of the queue hops');
  });

  it('thins the batch of ordinary paid checkouts: only traces above the threshold are stored', async () => {
    const stored: string[] = [];
    for (const traceId of fastTraces) {
      const spans = await jaeger.trace(traceId);
      if (spans.length === 0) continue;
      stored.push(traceId);
      assert.ok(
        traceDurationMs(spans) >= THRESHOLD_MS || spans.some((span) => span.statusCode === 2),
        `trace ${traceId} (${traceDurationMs(spans)} ms, no error) was stored with a 0 % share`,
      );
    }
    assert.ok(stored.length < fastTraces.length / 2, `${stored.length} of ${fastTraces.length} ordinary checkouts were stored`);
  });
});

describe('after tail sampling: the default (TRACE_SAMPLING unset) stores every trace again', () => {
  it('stores an ordinary paid checkout', async () => {
    const paid = await checkout(cart(1));
    assert.equal(paid.status, 201);
    const spans = await jaeger.waitForTrace(paid.body.traceId, paidTraceComplete, 30_000);
    assert.ok(paidTraceComplete(spans), `only ${spans.length} spans of the paid checkout stored`);
  });
});
