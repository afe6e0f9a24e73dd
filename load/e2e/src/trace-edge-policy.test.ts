/**
 * TRACE_EDGE_POLICY on the real stack and Jaeger: order restarted with link-only, then ignore, then its
 * default (continue). A checkout sent with a caller's traceparent becomes a trace of its own whose root
 * links to the caller's span (link-only) or carries nothing of it (ignore), still one trace from order
 * through payment and shipping; a checkout through the shop (which calls order with the internal
 * credential) still continues the shop's caller, since the policy applies where a request enters.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { keepScenarios, scenariosOff } from './faults';
import { restartWith } from './sampling-stack';
import { cart, checkout, config, jaeger, paidTraceComplete, postJson, type CheckoutAnswer } from './stack';

function callerContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function rootOf(spans: FlatSpan[]): FlatSpan {
  const roots = spans.filter((span) => !span.parentSpanId);
  assert.equal(roots.length, 1, `one root span, found ${roots.map((span) => `${span.service} ${span.name}`).join(', ')}`);
  return roots[0]!;
}

describe('TRACE_EDGE_POLICY at order (real stack, Jaeger)', () => {
  let restoreScenarios: () => Promise<void>;
  let restarted = false;

  /** Restarts order with the policy (undefined: its default), with every pathology off for quick checkouts. */
  async function orderWith(policy: 'link-only' | 'ignore' | undefined): Promise<void> {
    await restartWith('order', { TRACE_EDGE_POLICY: policy });
    restarted = policy !== undefined;
    await scenariosOff();
  }

  before(async () => {
    restoreScenarios = await keepScenarios();
  });

  after(async () => {
    if (restarted) await restartWith('order', { TRACE_EDGE_POLICY: undefined });
    await restoreScenarios();
  });

  it('link-only: a new trace whose root links to the caller span; the rest of the checkout joins the new trace', async () => {
    await orderWith('link-only');
    const caller = callerContext();
    const answer = await checkout(cart(2), { traceparent: caller.traceparent });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.notEqual(answer.body.traceId, caller.traceId, 'not the caller trace');
    const spans = await jaeger.waitForTrace(answer.body.traceId, paidTraceComplete);
    const root = rootOf(spans);
    assert.equal(root.service, 'order-service');
    assert.equal(root.name, 'POST /checkout');
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(root.attributes['app.trace.edge_policy'], 'link-only');
    assert.deepEqual(
      root.links.map((link) => [link.traceId, link.spanId]),
      [[caller.traceId, caller.spanId]],
      'the root links to the caller span',
    );
    assert.ok(
      spans.some((span) => span.service === 'payment-service' && span.kind === SpanKind.SERVER),
      'payment in the same trace',
    );
    assert.ok(
      spans.some((span) => span.service === 'shipping-service'),
      'shipping in the same trace',
    );
  });

  it('link-only at order: a checkout through the shop still continues the shop caller, one trace', async () => {
    // The shop's connections to the order process that was just replaced are gone: one read first.
    assert.equal((await fetch(`${config.STOREFRONT_URL}/api/products?limit=1`)).status, 200);
    const caller = callerContext();
    const answer = await postJson<CheckoutAnswer>(`${config.STOREFRONT_URL}/api/checkout`, cart(1), { traceparent: caller.traceparent });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.traceId, caller.traceId, "the shop's trace goes on into order (the shop holds the internal credential)");
    const spans = await jaeger.waitForTrace(caller.traceId, paidTraceComplete);
    const shop = spans.find((span) => span.service === 'storefront' && span.kind === SpanKind.SERVER);
    assert.ok(shop, 'the shop server span');
    assert.equal(shop.parentSpanId, caller.spanId);
    const order = spans.find((span) => span.service === 'order-service' && span.name === 'POST /checkout');
    assert.ok(order, "order's server span in the shop's trace");
    assert.deepEqual(order.links, []);
    assert.equal(order.attributes['app.trace.edge_policy'], undefined);
  });

  it('ignore: a new trace with no link and nothing of the caller', async () => {
    await orderWith('ignore');
    const caller = callerContext();
    const answer = await checkout(cart(1), { traceparent: caller.traceparent });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.notEqual(answer.body.traceId, caller.traceId);
    const spans = await jaeger.waitForTrace(answer.body.traceId, paidTraceComplete);
    const root = rootOf(spans);
    assert.equal(root.name, 'POST /checkout');
    assert.deepEqual(root.links, []);
    assert.equal(root.attributes['app.trace.edge_policy'], 'ignore');
    assert.ok(!JSON.stringify(spans).includes(caller.traceId), 'the caller trace id appears nowhere');
  });

  it('continue (the default, after a restart without the variable): the checkout joins the caller trace', async () => {
    await orderWith(undefined);
    const caller = callerContext();
    const answer = await checkout(cart(1), { traceparent: caller.traceparent });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.traceId, caller.traceId);
    const spans = await jaeger.waitForTrace(caller.traceId, paidTraceComplete);
    const server = spans.find((span) => span.name === 'POST /checkout');
    assert.equal(server?.parentSpanId, caller.spanId);
  });
});
