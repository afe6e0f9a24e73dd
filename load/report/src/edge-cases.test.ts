/** The report's pieces on small hand-built traces: edge cases recorded traces do not cover. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { analyse } from './analysis';
import { analyseTrace, isSkipped, type AnalysedTrace } from './analysed-trace';
import { adjustClockSkew, skewCorrection } from './clock-skew';
import { criticalPath } from './critical-path';
import { detectLockHolds } from './detectors/lock-hold';
import { detectLockWaits } from './detectors/lock-wait';
import { detectLoopBlocks } from './detectors/loop-block';
import { detectNPlusOne } from './detectors/n-plus-one';
import { detectPoolWaits } from './detectors/pool-wait';
import { detectSeqScans } from './detectors/seq-scan';
import { buildFindings } from './findings';
import { percentile } from './stats';
import { parseTime } from './time-window';
import { buildTree } from './trace-tree';
import { planEvent, query, root, span } from './test-spans';

function analysed(spans: FlatSpan[]): AnalysedTrace {
  const result = analyseTrace(spans);
  if (isSkipped(result)) throw new Error(result.reason);
  return result;
}

const pathOf = (trace: AnalysedTrace) => trace.http.segments.map((segment) => [segment.spanId, segment.startMs, segment.endMs]);

describe('critical path', () => {
  it('walks back from the child that ends last, then the one that ends before that child started', () => {
    const trace = analysed([
      root(0, 100),
      span({ id: 'a', parent: 'root', name: 'a', start: 10, end: 40 }),
      span({ id: 'b', parent: 'root', name: 'b', start: 30, end: 90 }),
    ]);
    assert.deepEqual(pathOf(trace), [
      ['root', 0, 10],
      ['a', 10, 30],
      ['b', 30, 90],
      ['root', 90, 100],
    ]);
  });

  it('clips a child running past its parent, and leaves queue spans (and what is below them) off the path', () => {
    const trace = analysed([
      root(0, 100),
      span({ id: 'late', parent: 'root', name: 'late', start: 80, end: 150 }),
      span({ id: 'publish', parent: 'root', name: 'publish', kind: SpanKind.PRODUCER, start: 20, end: 70 }),
      span({ id: 'below', parent: 'publish', name: 'below', start: 25, end: 60 }),
    ]);
    assert.deepEqual(pathOf(trace), [
      ['root', 0, 80],
      ['late', 80, 100],
    ]);
    assert.equal(trace.syncSpanIds.has('publish'), false);
    assert.equal(trace.syncSpanIds.has('below'), false);
  });

  it('keeps a root with a remote parent (an incoming traceparent), and skips a trace without its root', () => {
    const remote = { ...root(0, 50), parentSpanId: 'caller-span' };
    assert.equal(analysed([remote]).root.spanId, 'root');
    const result = analyseTrace([span({ id: 'x', name: 'checkout', start: 0, end: 10 })]);
    assert.ok(isSkipped(result));
    assert.match(result.reason, /POST \/checkout/);
  });

  it('with missing parents: orphans are off the path, which stays complete', () => {
    const trace = analysed([
      root(0, 100),
      span({ id: 'handler', parent: 'root', name: 'request handler', start: 5, end: 95 }),
      // Payment's server span whose parent (order's HTTP client span) never reached Jaeger.
      span({
        id: 'pay',
        parent: 'lost-client',
        service: 'payment-service',
        name: 'POST /payments',
        kind: SpanKind.SERVER,
        start: 30,
        end: 80,
      }),
    ]);
    assert.deepEqual(pathOf(trace), [
      ['root', 0, 5],
      ['handler', 5, 95],
      ['root', 95, 100],
    ]);
    assert.equal(trace.syncSpanIds.has('pay'), false);
  });
});

describe('clock skew', () => {
  const client = span({ id: 'client', parent: 'root', name: 'POST /payments', kind: SpanKind.CLIENT, start: 20, end: 80 });
  const skewed = [
    root(0, 100),
    client,
    // Payment's clock runs 500 ms ahead: its server span starts after order's client span ended.
    span({
      id: 'server',
      parent: 'client',
      service: 'payment-service',
      name: 'POST /payments',
      kind: SpanKind.SERVER,
      start: 530,
      end: 570,
    }),
    span({
      id: 'scan',
      parent: 'server',
      service: 'payment-service',
      name: 'SELECT payments',
      kind: SpanKind.CLIENT,
      start: 540,
      end: 560,
    }),
  ];

  it('centres a server span in its client span and moves its own service’s children with it', () => {
    assert.equal(skewCorrection(client, skewed[2]!), -500);
    const adjusted = adjustClockSkew(skewed);
    const server = adjusted.find((candidate) => candidate.spanId === 'server')!;
    const scan = adjusted.find((candidate) => candidate.spanId === 'scan')!;
    assert.deepEqual([server.startMs, server.endMs], [30, 70]);
    assert.deepEqual([scan.startMs, scan.endMs], [40, 60]);
    assert.equal(adjusted.find((candidate) => candidate.spanId === 'client')!.startMs, 20, 'the caller is not moved');
  });

  it('so the payment call is on the critical path with its real share', () => {
    const trace = analysed(skewed);
    assert.deepEqual(pathOf(trace), [
      ['root', 0, 20],
      ['client', 20, 30],
      ['server', 30, 40],
      ['scan', 40, 60],
      ['server', 60, 70],
      ['client', 70, 80],
      ['root', 80, 100],
    ]);
  });

  it('leaves a consumer after its producer alone (a queue hop is not skew)', () => {
    const spans = [
      root(0, 100),
      span({ id: 'publish', parent: 'root', name: 'publish', kind: SpanKind.PRODUCER, start: 90, end: 95 }),
      span({
        id: 'consume',
        parent: 'publish',
        service: 'shipping-service',
        name: 'process',
        kind: SpanKind.CONSUMER,
        start: 400,
        end: 450,
      }),
    ];
    assert.deepEqual(adjustClockSkew(spans), spans);
  });
});

describe('checkout-to-shipped', () => {
  it('is undefined for a trace without shipping (declined, or shipping spans not in Jaeger)', () => {
    const trace = analysed([root(0, 60), span({ id: 'checkout', parent: 'root', name: 'checkout', start: 2, end: 58 })]);
    assert.equal(trace.shipped, undefined);
    const analysis = analyse([root(0, 60)]);
    assert.equal(analysis.traces.withShipment, 0);
    assert.equal(analysis.checkoutToShippedMs, null);
    assert.deepEqual(analysis.shippedPath, []);
    assert.equal(analysis.checkoutLatencyMs?.p50, 60);
  });

  it('bridges a missing shipping consumer with one queue segment', () => {
    const trace = analysed([
      root(0, 50),
      span({ id: 'publish', parent: 'root', name: 'publish', kind: SpanKind.PRODUCER, start: 45, end: 48 }),
      span({
        id: 'shipped',
        parent: 'lost-shipping-publish',
        name: 'order.shipment-created process',
        kind: SpanKind.CONSUMER,
        start: 200,
        end: 210,
        attributes: { 'messaging.rabbitmq.routing_key': 'shipment.created' },
      }),
    ]);
    assert.ok(trace.shipped);
    assert.equal(trace.shipped.totalMs, 210);
    assert.equal(trace.shipped.shippingSpan, undefined);
    assert.deepEqual(
      trace.shipped.segments.map((segment) => [segment.service, segment.startMs, segment.endMs]),
      [
        ['order-service', 0, 50],
        ['order-service → order-service', 50, 200],
        ['order-service', 200, 210],
      ],
    );
  });
});

describe('detectors on hand-built traces', () => {
  const loadCart = (lines: number) => {
    const spans = [root(0, 200), span({ id: 'load', parent: 'root', name: 'checkout.load_cart', start: 1, end: 199 })];
    for (let line = 0; line < lines; line += 1)
      spans.push(
        query({ id: `q${line}`, parent: 'load', start: 2 + 3 * line, end: 4 + 3 * line, text: 'SELECT id FROM products WHERE sku = $1' }),
      );
    return analysed(spans);
  };

  it('N+1: five similar sibling queries make a staircase, four do not', () => {
    assert.deepEqual(detectNPlusOne([loadCart(4)]), []);
    const [found] = detectNPlusOne([loadCart(5)]);
    assert.equal(found?.measure, 5);
    assert.equal(found?.operation, 'checkout.load_cart');
    assert.deepEqual(found?.window, { startMs: 2, endMs: 16 });
  });

  it('N+1 under a parent missing from the trace is still found', () => {
    const spans = [root(0, 50)];
    for (let line = 0; line < 6; line += 1)
      spans.push(
        query({ id: `q${line}`, parent: 'lost', start: 2 * line, end: 2 * line + 1, text: 'SELECT 1 FROM stock WHERE product_id = $1' }),
      );
    const [found] = detectNPlusOne([analysed(spans)]);
    assert.equal(found?.operation, '(parent span missing)');
  });

  it('pool wait: the connect span’s own time counts, not opening a new connection', () => {
    const trace = (connectEnd: number, opening: boolean) =>
      analysed([
        root(0, 100),
        span({ id: 'checkout', parent: 'root', name: 'checkout', start: 1, end: 99 }),
        span({ id: 'connect', parent: 'checkout', name: 'pg-pool.connect', kind: SpanKind.CLIENT, start: 2, end: connectEnd }),
        ...(opening
          ? [span({ id: 'open', parent: 'connect', name: 'pg.connect', kind: SpanKind.CLIENT, start: 3, end: connectEnd - 1 })]
          : []),
        query({ id: 'begin', parent: 'checkout', start: connectEnd, end: connectEnd + 1, text: 'BEGIN' }),
      ]);
    const [waited] = detectPoolWaits([trace(52, false)]);
    assert.equal(waited?.measure, 50);
    assert.deepEqual(detectPoolWaits([trace(52, true)]), [], 'a new connection being opened is not a wait');
    assert.deepEqual(detectPoolWaits([trace(8, false)]), [], 'below the threshold');
  });

  it('pool wait: not when the query after it takes longer still', () => {
    const trace = analysed([
      root(0, 100),
      span({ id: 'connect', parent: 'root', name: 'pg-pool.connect', kind: SpanKind.CLIENT, start: 0, end: 20 }),
      query({ id: 'q', parent: 'root', start: 20, end: 90, text: 'SELECT 1' }),
    ]);
    assert.deepEqual(detectPoolWaits([trace]), []);
  });

  /** Three shipments on one carrier row: each FOR UPDATE waits until the previous transaction commits. */
  function lockQueue(released: boolean, slowPeers = false): AnalysedTrace[] {
    const text = 'SELECT capacity, reserved FROM carriers WHERE id = $1 FOR UPDATE';
    return [0, 1, 2].map((index) => {
      const traceId = `t${index}`;
      const lockStart = 200 + index; // all three ask at once
      const lockEnd = index === 0 ? 201 : 231 + 30 * (index - 1); // the first gets the row at once
      // Each transaction commits 30 ms after it got the row, releasing the next waiter; or, without a
      // hand-over, 12 ms before the next waiter returns.
      const commitEnd = lockEnd + (released ? 30 : 18);
      const peer = slowPeers ? 50 : 1;
      return analysed([
        root(0, 100, traceId),
        span({
          traceId,
          id: 'reserve',
          parent: 'root',
          service: 'shipping-service',
          name: 'shipping.reserve_and_create',
          start: lockStart - 1,
          end: lockEnd + 30 + 2 * peer,
        }),
        query({ traceId, id: 'lock', parent: 'reserve', service: 'shipping-service', start: lockStart, end: lockEnd, text }),
        query({
          traceId,
          id: 'insert',
          parent: 'reserve',
          service: 'shipping-service',
          start: lockEnd,
          end: lockEnd + peer,
          text: 'INSERT INTO shipments VALUES ($1)',
        }),
        query({
          traceId,
          id: 'commit',
          parent: 'reserve',
          service: 'shipping-service',
          start: commitEnd - 1,
          end: commitEnd,
          text: 'COMMIT',
        }),
        query({
          traceId,
          id: 'begin',
          parent: 'reserve',
          service: 'shipping-service',
          start: lockStart - 1,
          end: lockStart - 1 + peer,
          text: 'BEGIN',
        }),
      ]);
    });
  }

  it('lock wait: FOR UPDATE released right after another trace’s COMMIT', () => {
    const found = detectLockWaits(lockQueue(true));
    assert.deepEqual(found.map((occurrence) => occurrence.traceId).sort(), ['t1', 't2']);
    assert.ok(found.every((occurrence) => occurrence.measure > 25));
  });

  it('lock wait: not without a hand-over by another trace’s commit, nor when every query of the trace is as slow', () => {
    assert.deepEqual(detectLockWaits(lockQueue(false)), []);
    assert.deepEqual(detectLockWaits(lockQueue(true, true)), []);
  });

  /** One shipment: lock the carrier's row, ask the carrier for a quote, write, commit (or the fix's order). */
  function shipment(traceId: string, shape: 'lock-then-quote' | 'quote-then-update' | 'quote-after-commit') {
    const shipping = 'shipping-service';
    const spans = [
      root(0, 50, traceId),
      span({ traceId, id: 'publish', parent: 'root', name: 'publish', kind: SpanKind.PRODUCER, start: 45, end: 48 }),
      span({
        traceId,
        id: 'consume',
        parent: 'publish',
        service: shipping,
        name: 'order.paid process',
        kind: SpanKind.CONSUMER,
        start: 60,
        end: 200,
      }),
      span({ traceId, id: 'reserve', parent: 'consume', service: shipping, name: 'shipping.reserve_and_create', start: 61, end: 199 }),
      query({ traceId, id: 'begin', parent: 'reserve', service: shipping, start: 62, end: 63, text: 'BEGIN' }),
    ];
    const quote = (start: number) =>
      span({
        traceId,
        id: 'quote',
        parent: 'reserve',
        service: shipping,
        name: 'POST',
        kind: SpanKind.CLIENT,
        start,
        end: start + 100,
        attributes: { 'url.path': '/carriers/dhl/rate-quotes' },
      });
    if (shape === 'lock-then-quote') {
      spans.push(
        query({
          traceId,
          id: 'lock',
          parent: 'reserve',
          service: shipping,
          start: 63,
          end: 65,
          text: 'SELECT capacity, reserved FROM carriers WHERE id = $1 FOR UPDATE',
        }),
        quote(66),
      );
      spans.push(query({ traceId, id: 'commit', parent: 'reserve', service: shipping, start: 190, end: 192, text: 'COMMIT' }));
    } else if (shape === 'quote-then-update') {
      spans.push(
        quote(63),
        query({
          traceId,
          id: 'update',
          parent: 'reserve',
          service: shipping,
          start: 170,
          end: 172,
          text: 'UPDATE carriers SET reserved = reserved + 1 WHERE id = $1 RETURNING reserved',
        }),
      );
      spans.push(query({ traceId, id: 'commit', parent: 'reserve', service: shipping, start: 173, end: 174, text: 'COMMIT' }));
    } else {
      spans.push(
        query({
          traceId,
          id: 'lock',
          parent: 'reserve',
          service: shipping,
          start: 63,
          end: 65,
          text: 'SELECT capacity, reserved FROM carriers WHERE id = $1 FOR UPDATE',
        }),
      );
      spans.push(query({ traceId, id: 'commit', parent: 'reserve', service: shipping, start: 66, end: 67, text: 'COMMIT' }), quote(70));
    }
    return analysed(spans);
  }

  it('lock held: a FOR UPDATE whose transaction stays open across a remote call, in one trace, nobody waiting', () => {
    const [held] = detectLockHolds([shipment('a', 'lock-then-quote')]);
    assert.equal(held?.signature, 'lock-held');
    assert.equal(held?.operation, 'SELECT carriers');
    assert.equal(held?.measure, 127, 'from the lock to the COMMIT');
    assert.match(held?.evidence ?? '', /held 127 ms, until COMMIT, 100 ms of it waiting on POST \/carriers\/dhl\/rate-quotes \(client\)/);
    assert.equal(held?.window.endMs, held?.window.startMs, 'the holder loses no time by holding');
    assert.deepEqual(detectLockHolds([shipment('b', 'quote-then-update')]), [], 'the fix: quote first, then one atomic UPDATE');
    assert.deepEqual(detectLockHolds([shipment('c', 'quote-after-commit')]), [], 'a call after the commit holds nothing');
  });

  it('lock held: named as lock-contention from its frequency alone (it costs its own trace nothing)', () => {
    const traces = ['a', 'b', 'c'].map((id) => shipment(id, 'lock-then-quote'));
    const [finding] = buildFindings(traces, detectLockHolds(traces));
    assert.equal(finding?.pathology, 'lock-contention');
    assert.equal(finding?.path, 'shipped');
    assert.equal(finding?.meanCostMs, 0);
    assert.equal(finding?.significant, true);
    const analysis = analyse(traces.flatMap((trace) => trace.tree.spans));
    assert.deepEqual(analysis.pathologies, ['lock-contention']);
    assert.deepEqual(analyse(['d', 'e', 'f'].flatMap((id) => shipment(id, 'quote-then-update').tree.spans)).pathologies, []);
  });

  /** A payment whose risk score has a 40 ms stretch with no child span, and the loop delay payment reported. */
  function riskScore(traceId: string, start: number, delayMs: number) {
    const payment = 'payment-service';
    return [
      span({
        traceId,
        id: `${traceId}-post`,
        parent: 'root',
        service: payment,
        name: 'POST /payments',
        kind: SpanKind.SERVER,
        start,
        end: start + 60,
        attributes: { 'nodejs.eventloop.delay.max_ms': delayMs },
      }),
      span({
        traceId,
        id: `${traceId}-risk`,
        parent: `${traceId}-post`,
        service: payment,
        name: 'payment.risk_score',
        start: start + 5,
        end: start + 45,
      }),
      query({
        traceId,
        id: `${traceId}-q`,
        parent: `${traceId}-post`,
        service: payment,
        start: start + 46,
        end: start + 50,
        text: 'INSERT INTO payments VALUES ($1)',
      }),
    ];
  }

  it('loop block alone in its service: named when the loop’s own delay covers the gap, not when it does not', () => {
    const alone = (delayMs: number) => analysed([root(0, 100, 'x'), ...riskScore('x', 10, delayMs)]);
    const [found] = detectLoopBlocks([alone(38)]);
    assert.equal(found?.operation, 'payment.risk_score');
    assert.equal(found?.measure, 40);
    assert.match(found?.evidence ?? '', /no other trace was in payment-service meanwhile/);
    assert.deepEqual(detectLoopBlocks([alone(25)]), [], 'a delay of 25 ms does not account for a 40 ms gap');
    // With another trace in payment across the gap that was not held, the gap was not the loop's.
    const other = analysed([
      root(0, 100, 'y'),
      span({
        traceId: 'y',
        id: 'y-post',
        parent: 'root',
        service: 'payment-service',
        name: 'POST /payments',
        kind: SpanKind.SERVER,
        start: 12,
        end: 90,
      }),
    ]);
    assert.deepEqual(
      detectLoopBlocks([alone(38), other]).filter((occurrence) => occurrence.traceId === 'x'),
      [],
    );
  });

  it('loop block with replicas: only spans of the same process (service.instance.id) are correlated', () => {
    const on = (instance: string, spans: FlatSpan[]) =>
      spans.map((one) => (one.service === 'payment-service' ? { ...one, instance } : one));
    const blocked = analysed(on('host-1', [root(0, 100, 'x'), ...riskScore('x', 10, 38)]));
    const otherSpans = [
      root(0, 100, 'y'),
      span({
        traceId: 'y',
        id: 'y-post',
        parent: 'root',
        service: 'payment-service',
        name: 'POST /payments',
        kind: SpanKind.SERVER,
        start: 12,
        end: 90,
      }),
    ];
    // Another replica's request across the gap says nothing about this replica's loop: still a block, alone in its process.
    const [found] = detectLoopBlocks([blocked, analysed(on('host-2', otherSpans))]).filter((occurrence) => occurrence.traceId === 'x');
    assert.equal(found?.operation, 'payment.risk_score');
    assert.match(found?.evidence ?? '', /no other trace was in payment-service meanwhile/);
    // The same request in the same replica, not held by the gap: the gap was not the loop's.
    assert.deepEqual(
      detectLoopBlocks([blocked, analysed(on('host-1', otherSpans))]).filter((occurrence) => occurrence.traceId === 'x'),
      [],
    );
  });

  it('seq scan: from the span’s own plan, from the same statement’s plan elsewhere, or a suspected wide span', () => {
    const text = 'SELECT count(*) FROM payments WHERE customer_id = $1';
    const trace = (id: string, duration: number, plan?: string) =>
      analysed([
        root(0, 100, id),
        span({
          traceId: id,
          id: 'fraud',
          parent: 'root',
          service: 'payment-service',
          name: 'payment.fraud_check',
          start: 0,
          end: duration + 2,
        }),
        query({
          traceId: id,
          id: 'scan',
          parent: 'fraud',
          service: 'payment-service',
          start: 1,
          end: 1 + duration,
          text,
          events: plan ? [planEvent(plan, 1 + duration)] : [],
        }),
      ]);
    const ownPlan = trace('a', 70, 'Aggregate <- Seq Scan on payments (rows≈14)');
    const firstSlow = trace('b', 80);
    const fast = trace('c', 5);
    const found = detectSeqScans([ownPlan, firstSlow, fast]);
    assert.deepEqual(
      found.map((occurrence) => occurrence.traceId),
      ['a', 'b'],
    );
    assert.match(found[1]!.evidence, /plan of the same statement/);
    const [suspected] = detectSeqScans([firstSlow]);
    assert.match(suspected?.evidence ?? '', /no plan event: a suspected scan/);
    const indexed = trace('d', 70, 'Aggregate <- Index Scan using payments_customer_created_idx on payments (rows≈14)');
    assert.deepEqual(detectSeqScans([indexed, trace('e', 80)]), [], 'a known index plan is not a scan, and vouches for its statement');
  });

  it('seq scan: reads the plan event by its app. name, and by its name before the rename in traces recorded earlier', () => {
    const text = 'SELECT count(*) FROM payments WHERE customer_id = $1';
    const summary = 'Aggregate <- Seq Scan on payments (rows≈14)';
    const legacy = {
      name: 'db.query.plan',
      timeMs: 71,
      attributes: { 'db.query.plan.summary': summary, 'db.query.plan.scan_node': 'Seq Scan on payments' },
    };
    for (const [label, event] of [
      ['app.db.plan', planEvent(summary, 71)],
      ['db.query.plan', legacy],
    ] as const) {
      assert.equal(event.name, label);
      const traced = analysed([
        root(0, 100, label),
        query({ traceId: label, id: 'scan', parent: 'root', service: 'payment-service', start: 1, end: 71, text, events: [event] }),
      ]);
      const [found] = detectSeqScans([traced]);
      assert.match(found?.evidence ?? '', /plan: Aggregate <- Seq Scan on payments/, label);
    }
    assert.ok(Object.keys(planEvent(summary, 1).attributes).every((key) => key.startsWith('app.db.plan.')));
  });
});

describe('findings', () => {
  it('a pattern in one trace of twenty is listed but not significant', () => {
    const traces = Array.from({ length: 20 }, (_, index) => {
      const traceId = `t${index}`;
      const spans = [root(0, 100, traceId), span({ traceId, id: 'load', parent: 'root', name: 'checkout.load_cart', start: 0, end: 90 })];
      const lines = index === 0 ? 6 : 1;
      for (let line = 0; line < lines; line += 1)
        spans.push(
          query({
            traceId,
            id: `q${line}`,
            parent: 'load',
            start: 10 * line,
            end: 10 * line + 10,
            text: 'SELECT 1 FROM products WHERE sku = $1',
          }),
        );
      return analysed(spans);
    });
    const [finding] = buildFindings(traces, detectNPlusOne(traces));
    assert.equal(finding?.tracesAffected, 1);
    assert.equal(finding?.pathology, 'n-plus-one');
    assert.equal(finding?.significant, false);
    assert.equal(finding?.meanCostMs, 3, '60 ms of staircase over 20 traces');
  });
});

describe('findings: the share an N+1 needs', () => {
  // 10 checkouts of 1 s; half load a 6-line cart one query at a time (6 × 3 ms): 1.8 % of those, 0.9 % on average.
  const traces = Array.from({ length: 10 }, (_, index) => {
    const traceId = `s${index}`;
    const spans = [root(0, 1000, traceId), span({ traceId, id: 'load', parent: 'root', name: 'checkout.load_cart', start: 0, end: 30 })];
    const lines = index % 2 === 0 ? 6 : 1;
    for (let line = 0; line < lines; line += 1)
      spans.push(
        query({
          traceId,
          id: `q${line}`,
          parent: 'load',
          start: 3 * line,
          end: 3 * line + 3,
          text: 'SELECT 1 FROM products WHERE sku = $1',
        }),
      );
    return analysed(spans);
  });
  it('is named under 2 % of the path: a staircase is a fact of the code, not of timing', () => {
    const [finding] = buildFindings(traces, detectNPlusOne(traces));
    assert.equal(finding?.tracesAffected, 5);
    assert.equal(finding?.meanSharePct, 0.9);
    assert.equal(finding?.significant, true);
  });
  it('is not named at that share when the structural bar is taken away (timing signatures keep 2 %)', () => {
    const [finding] = buildFindings(traces, detectNPlusOne(traces), {
      minTraces: 2,
      minTraceFraction: 0.1,
      minMeanSharePct: 2,
      structuralMinMeanSharePct: {},
    });
    assert.equal(finding?.significant, false);
  });
});

describe('time window and statistics', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('parses relative times, ISO times and now; refuses anything else', () => {
    assert.equal(parseTime('10m', now).toISOString(), '2025-06-01T11:50:00.000Z');
    assert.equal(parseTime('90s', now).toISOString(), '2025-06-01T11:58:30.000Z');
    assert.equal(parseTime('2h', now).toISOString(), '2025-06-01T10:00:00.000Z');
    assert.equal(parseTime('2025-05-31T08:00:00Z', now).toISOString(), '2025-05-31T08:00:00.000Z');
    assert.equal(parseTime('now', now), now);
    assert.throws(() => parseTime('5', now), /not a time/);
    assert.throws(() => parseTime('yesterday', now), /not a time/);
  });

  it('nearest-rank percentiles', () => {
    const values = Array.from({ length: 20 }, (_, index) => index + 1);
    assert.equal(percentile(values, 50), 10);
    assert.equal(percentile(values, 95), 19);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), undefined);
  });

  it('leaves the instrumentation’s own EXPLAIN queries out of the trace', () => {
    const tree = buildTree([
      root(0, 10),
      query({ id: 'explain', parent: 'root', start: 1, end: 9, text: 'EXPLAIN (FORMAT JSON) SELECT 1' }),
    ]);
    assert.deepEqual(
      tree.spans.map((candidate) => candidate.spanId),
      ['root'],
    );
    assert.deepEqual(
      criticalPath(tree, tree.spans[0]!).map((segment) => segment.spanId),
      ['root'],
    );
  });
});
