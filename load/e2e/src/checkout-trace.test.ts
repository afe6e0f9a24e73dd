/**
 * End-to-end: checkouts against the running stack, their traces read back from the real Jaeger
 * (/api/v3), and the trace shape asserted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { ancestors, cart, checkout, jaeger, paidTraceComplete, parentOf, services, setAllScenarios } from './stack';

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, found ${items.length}`);
  return items[0]!;
}

describe('a paid checkout is one trace in Jaeger', () => {
  let answer: Awaited<ReturnType<typeof checkout>>;
  let spans: FlatSpan[];
  const body = cart(3);

  before(async () => {
    await setAllScenarios(false);
    answer = await checkout(body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    spans = await jaeger.waitForTrace(answer.body.traceId, paidTraceComplete);
  });

  it('answers 201 with orderId, status, total, traceId and a traceresponse header', () => {
    assert.match(answer.body.orderId, /^[0-9a-f-]{36}$/);
    assert.equal(answer.body.status, 'PAID');
    assert.ok(answer.body.total > 0);
    assert.match(answer.body.traceId, /^[0-9a-f]{32}$/);
    const header = answer.headers.get('traceresponse') ?? '';
    assert.match(header, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    assert.equal(header.split('-')[1], answer.body.traceId);
  });

  it('holds spans of all three services, all in the one trace', () => {
    const seen = new Set(spans.map((span) => span.service));
    for (const service of services) assert.ok(seen.has(service), `no ${service} span in ${[...seen].join(', ')}`);
    assert.ok(spans.every((span) => span.traceId === answer.body.traceId));
    const roots = spans.filter((span) => !span.parentSpanId);
    assert.equal(roots.length, 1, 'exactly one root span');
    assert.equal(roots[0]!.name, 'POST /checkout', 'the server span carries its route (services run as CommonJS with the preload)');
  });

  it("nests payment's server span directly under order's HTTP client span", () => {
    const paymentServer = only(
      spans.filter((span) => span.service === 'payment-service' && span.kind === SpanKind.SERVER),
      'payment server span',
    );
    assert.equal(paymentServer.name, 'POST /payments');
    const parent = parentOf(spans, paymentServer);
    assert.ok(parent, 'payment server span has its parent in the trace');
    assert.equal(parent.service, 'order-service');
    assert.equal(parent.kind, SpanKind.CLIENT);
    assert.equal(parent.name, 'POST /payments', "order's client span is named by the route template payment's client knows");
    assert.equal(parent.attributes['url.template'], '/payments');
    assert.equal(parent.attributes['http.request.method'], 'POST');
    assert.equal(parent.attributes['http.response.status_code'], 201);
    assert.ok(parent.attributes['server.address'], 'server.address kept');
  });

  it('names each query span by its summary and keeps the standard database attributes', () => {
    const queries = spans.filter((span) => typeof span.attributes['db.query.text'] === 'string');
    assert.ok(queries.length > 10, `${queries.length} query spans`);
    for (const span of queries) {
      assert.equal(span.name, span.attributes['db.query.summary'], `${span.name}: name is db.query.summary`);
      assert.ok(!span.name.startsWith('pg.query'), span.name);
      assert.equal(span.attributes['db.system.name'], 'postgresql');
      assert.match(String(span.attributes['db.namespace']), /^tracecart_(order|payment|shipping)$/);
      assert.equal(span.attributes['db.operation.name'], span.name.split(' ')[0]);
      assert.ok(span.attributes['server.address'], `${span.name}: server.address kept`);
    }
    const names = (service: string) => new Set(queries.filter((span) => span.service === service).map((span) => span.name));
    for (const name of ['BEGIN', 'INSERT orders', 'UPDATE stock', 'SELECT orders FOR UPDATE', 'INSERT outbox', 'COMMIT']) {
      assert.ok(names('order-service').has(name), `order-service: no ${name} in ${[...names('order-service')].join(', ')}`);
    }
    for (const name of ['SELECT payments', 'INSERT payments']) assert.ok(names('payment-service').has(name), `payment-service: no ${name}`);
    for (const name of ['UPDATE carriers', 'INSERT shipments'])
      assert.ok(names('shipping-service').has(name), `shipping-service: no ${name}`);
    const reserve = queries.find((span) => span.name === 'UPDATE carriers')!;
    assert.equal(reserve.attributes['db.collection.name'], 'carriers');
  });

  it("makes order's producer span the parent, directly or through one span, of shipping's consumer span", () => {
    const consumer = only(
      spans.filter((span) => span.service === 'shipping-service' && span.kind === SpanKind.CONSUMER),
      'shipping consumer span',
    );
    const chain = ancestors(spans, consumer).slice(0, 2);
    const producer = chain.find((span) => span.service === 'order-service' && span.kind === SpanKind.PRODUCER);
    assert.ok(
      producer,
      `expected an order producer span within two levels, got ${chain.map((s) => `${s.service}:${s.name}`).join(' <- ')}`,
    );
    // And the queue hop back: order consumes shipment.created in the same trace.
    const back = spans.find((span) => span.service === 'order-service' && span.kind === SpanKind.CONSUMER);
    assert.ok(back, 'order consumer span for shipment.created');
    assert.ok(ancestors(spans, back).some((span) => span.service === 'shipping-service' && span.kind === SpanKind.PRODUCER));
  });

  it('has PostgreSQL spans (db.system.name=postgresql) in every service', () => {
    for (const service of services) {
      const dbSpans = spans.filter((span) => span.service === service && span.attributes['db.system.name'] === 'postgresql');
      assert.ok(dbSpans.length > 0, `${service} has no postgresql span`);
    }
  });

  it('carries the custom checkout attributes', () => {
    const checkoutSpan = only(
      spans.filter((span) => span.name === 'checkout'),
      'checkout span',
    );
    assert.equal(checkoutSpan.attributes['app.order.id'], answer.body.orderId);
    assert.equal(checkoutSpan.attributes['app.customer.id'], body.customerId);
    assert.equal(checkoutSpan.attributes['app.order.items_count'], body.items.length);
    assert.equal(checkoutSpan.attributes['app.order.total'], answer.body.total);
    assert.equal(checkoutSpan.attributes['app.payment.status'], 'AUTHORIZED');
    const server = spans.find((span) => !span.parentSpanId)!;
    assert.equal(server.attributes['app.order.id'], answer.body.orderId);
  });

  it('never holds the card token or query parameter values', () => {
    const everything = JSON.stringify(spans.map((span) => [span.attributes, span.events]));
    assert.ok(!everything.includes(body.payment.token), 'card token found in a span');
    assert.ok(!everything.includes('"db.query.parameter'), 'query parameter values found in a span');
    const queries = spans.filter((span) => typeof span.attributes['db.query.text'] === 'string');
    assert.ok(queries.length > 0);
    for (const span of queries) assert.ok(!String(span.attributes['db.query.text']).includes(body.customerId));
    const names = spans.map((span) => span.name).join('\n');
    for (const value of [body.customerId, answer.body.orderId, ...body.items.map((item) => item.sku)]) {
      assert.ok(!names.includes(value), `${value} found in a span name`);
    }
  });
});

describe('a declined checkout', () => {
  it('answers 402 and records an exception on an ERROR span', async () => {
    const answer = await checkout(cart(2, 'tok_chargeDeclined'));
    assert.equal(answer.status, 402, JSON.stringify(answer.body));
    assert.equal(answer.body.error, 'payment_declined');
    assert.equal(answer.body.status, 'PAYMENT_FAILED');
    const spans = await jaeger.waitForTrace(
      answer.body.traceId,
      (found) =>
        found.some((span) => span.service === 'payment-service' && span.kind === SpanKind.SERVER) &&
        found.some((span) => span.name === 'checkout'),
    );
    const failed = spans.filter((span) => span.statusCode === 2 && span.events.some((event) => event.name === 'exception'));
    assert.ok(
      failed.some((span) => span.name === 'checkout'),
      'checkout span is ERROR with an exception',
    );
    assert.ok(
      failed.some((span) => span.service === 'payment-service'),
      'payment records the decline as an exception',
    );
    // On its internal span: a 4xx leaves the HTTP server span's status unset (semantic conventions).
    const decline = only(
      spans.filter((span) => span.service === 'payment-service' && span.name === 'payment.decline'),
      'payment.decline span',
    );
    assert.equal(decline.statusCode, 2, 'payment.decline is ERROR');
    assert.equal(decline.attributes['app.payment.decline_reason'], 'card_declined');
    const paymentServer = only(
      spans.filter((span) => span.service === 'payment-service' && span.kind === SpanKind.SERVER),
      'payment server span',
    );
    assert.equal(paymentServer.attributes['http.response.status_code'], 402);
    assert.equal(paymentServer.statusCode, 0, "payment's server span of a 402 stays unset, not ERROR");
    const checkoutSpan = spans.find((span) => span.name === 'checkout')!;
    assert.equal(checkoutSpan.attributes['app.payment.status'], 'DECLINED');
    const exception = checkoutSpan.events.find((event) => event.name === 'exception')!;
    assert.match(String(exception.attributes['exception.message']), /declined/);
  });
});

describe('an incoming traceparent', () => {
  it('is continued: the checkout joins the caller trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const answer = await checkout(cart(1), { traceparent: `00-${traceId}-${parentId}-01`, baggage: 'user.role=admin' });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.traceId, traceId);
    const spans = await jaeger.waitForTrace(traceId, paidTraceComplete);
    const server = spans.find((span) => span.name === 'POST /checkout');
    assert.ok(server, 'order server span in the caller trace');
    assert.equal(server.parentSpanId, parentId);
    const baggageLeak = spans.some((span) => Object.values(span.attributes).some((value) => String(value).includes('user.role')));
    assert.equal(baggageLeak, false, 'untrusted baggage must not reach spans');
  });
});
