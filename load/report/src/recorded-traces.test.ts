/**
 * The report over real traces recorded from the stack (load/report/src/fixtures): one file per pathology
 * switched on alone, and one with all switched off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@tracecart/jaeger-client';
import { pathologyNames } from '@tracecart/lab-catalogue';
import { analyse } from './analysis';
import { compareAnalyses } from './compare';
import { totalOf } from './critical-path';
import { detectLockWaits } from './detectors/lock-wait';
import { detectNPlusOne } from './detectors/n-plus-one';
import { detectPoolWaits } from './detectors/pool-wait';
import { detectSeqScans } from './detectors/seq-scan';
import { fixtureNames, fixtureSpans, fixtureTraces, type FixtureName } from './fixtures';
import { renderAnalysis, renderComparison } from './render';

const analysisOf = (name: FixtureName) => analyse(fixtureSpans(name), { file: `${name}.json` });

function assertContiguous(segments: ReadonlyArray<{ startMs: number; endMs: number }>, startMs: number, endMs: number, what: string): void {
  assert.ok(segments.length > 0, `${what}: no segments`);
  assert.ok(Math.abs(segments[0]!.startMs - startMs) < 1e-6, `${what}: starts at ${segments[0]!.startMs}, not ${startMs}`);
  for (let index = 1; index < segments.length; index += 1) {
    assert.ok(Math.abs(segments[index]!.startMs - segments[index - 1]!.endMs) < 1e-6, `${what}: gap or overlap before segment ${index}`);
  }
  assert.ok(Math.abs(segments.at(-1)!.endMs - endMs) < 1e-6, `${what}: ends at ${segments.at(-1)!.endMs}, not ${endMs}`);
  assert.ok(
    segments.every((segment) => segment.endMs > segment.startMs),
    `${what}: empty segment`,
  );
}

describe('recorded traces: critical path', () => {
  for (const name of fixtureNames) {
    it(`${name}: covers each root span exactly, through synchronous spans only`, () => {
      const traces = fixtureTraces(name);
      assert.ok(traces.length >= 5, `${name} has ${traces.length} analysable traces`);
      for (const trace of traces) {
        assertContiguous(trace.http.segments, trace.root.startMs, trace.root.endMs, `${name} ${trace.traceId}`);
        assert.ok(Math.abs(totalOf(trace.http.segments) - trace.root.durationMs) < 1e-6);
        for (const segment of trace.http.segments) {
          const span = trace.tree.byId.get(segment.spanId)!;
          assert.ok(trace.syncSpanIds.has(segment.spanId), `${segment.operation} is not in the synchronous subtree`);
          assert.ok(span.kind !== SpanKind.PRODUCER && span.kind !== SpanKind.CONSUMER, `queue span ${span.name} on the HTTP path`);
        }
        // The payment call is on the path: the client span or payment's own spans take part of it.
        assert.ok(
          trace.http.segments.some((segment) => segment.service === 'payment-service'),
          'payment-service is on the HTTP critical path',
        );
      }
    });
  }

  it('checkout-to-shipped runs from the root start to order’s shipment.created consumer, through both queue hops', () => {
    for (const name of fixtureNames) {
      for (const trace of fixtureTraces(name)) {
        const shipped = trace.shipped;
        assert.ok(shipped, `${name} ${trace.traceId}: every recorded checkout was paid and shipped`);
        assert.equal(shipped.shippedSpan.service, 'order-service');
        assert.equal(shipped.shippedSpan.attributes['messaging.rabbitmq.routing_key'], 'shipment.created');
        assert.equal(shipped.shippingSpan?.service, 'shipping-service');
        assertContiguous(shipped.segments, trace.root.startMs, shipped.shippedSpan.endMs, `${name} ${trace.traceId} shipped`);
        assert.ok(Math.abs(shipped.totalMs - (shipped.shippedSpan.endMs - trace.root.startMs)) < 1e-6);
        assert.deepEqual(shipped.segments.slice(0, trace.http.segments.length), trace.http.segments, 'the HTTP path is its first part');
        const services = new Set(shipped.segments.map((segment) => segment.service));
        assert.ok(services.has('shipping-service'));
        assert.ok(services.has('order-service → shipping-service'), 'the order.paid queue hop is on it');
      }
    }
  });
});

describe('recorded traces: ranking', () => {
  it('missing-index puts the fraud check’s SELECT on payments at the top of the critical path', () => {
    const [top] = analysisOf('missing-index').criticalPath;
    assert.equal(top?.service, 'payment-service');
    assert.match(top?.statement ?? '', /FROM payments WHERE customer_id = \$1/);
    assert.ok(top.p50SharePct > 40, `share ${top.p50SharePct} %`);
  });

  it('the same SELECT takes a far smaller share with the index (all off)', () => {
    const before = analysisOf('missing-index').criticalPath[0]!;
    const after = analysisOf('all-off').criticalPath.find((operation) => operation.statement === before.statement);
    assert.ok(after, 'the fraud check query runs with the index too');
    assert.ok(after.p50SharePct * 4 < before.p50SharePct, `with index ${after.p50SharePct} %, without ${before.p50SharePct} %`);
    assert.ok(after.p50Ms * 4 < before.p50Ms, `with index ${after.p50Ms} ms, without ${before.p50Ms} ms`);
  });

  it('ranks by p50 share, shares are percentages of each trace', () => {
    for (const name of fixtureNames) {
      const ranking = analysisOf(name).criticalPath;
      for (let index = 1; index < ranking.length; index += 1) assert.ok(ranking[index - 1]!.p50SharePct >= ranking[index]!.p50SharePct);
      for (const operation of ranking) {
        assert.ok(operation.p50SharePct >= 0 && operation.p95SharePct <= 100 && operation.p50SharePct <= operation.p95SharePct);
      }
    }
  });

  it('pool-starvation gives order’s pg-pool.connect the largest p95 share, and lock-contention shows on checkout-to-shipped only', () => {
    const starved = analysisOf('pool-starvation').criticalPath;
    const connect = (ranking: typeof starved) =>
      ranking.find((operation) => operation.service === 'order-service' && operation.operation === 'pg-pool.connect');
    assert.equal(Math.max(...starved.map((operation) => operation.p95SharePct)), connect(starved)?.p95SharePct);
    assert.ok(connect(starved)!.p95SharePct > 5 * (connect(analysisOf('all-off').criticalPath)?.p95SharePct ?? 0));
    const lock = analysisOf('lock-contention');
    const forUpdate = (operation: { statement?: string | undefined }) =>
      /FOR UPDATE/.test(operation.statement ?? '') && /carriers/.test(operation.statement ?? '');
    assert.equal(lock.criticalPath.some(forUpdate), false, 'shipping work is not on the HTTP critical path');
    const onShipped = lock.shippedPath.find(forUpdate);
    // Half the checkouts of a burst wait in line, so the p95 and the mean show it, not the p50.
    assert.ok(
      onShipped && onShipped.p95SharePct > 20 && onShipped.meanSharePct > 5,
      `FOR UPDATE share of checkout-to-shipped: ${JSON.stringify(onShipped)}`,
    );
  });
});

describe('recorded traces: detectors', () => {
  it('seq-scan: the fraud check’s SELECT with missing-index, with "Seq Scan on payments" in a plan event; none on payments with the index', () => {
    const found = detectSeqScans(fixtureTraces('missing-index')).filter((occurrence) => occurrence.service === 'payment-service');
    assert.ok(found.length >= 5, `${found.length} scans`);
    assert.ok(found.every((occurrence) => occurrence.ancestry[0] === 'payment.fraud_check'));
    assert.ok(
      found.some((occurrence) => /plan: .*Seq Scan on payments/.test(occurrence.evidence)),
      'a span carries its own plan event',
    );
    assert.equal(detectSeqScans(fixtureTraces('all-off')).filter((occurrence) => occurrence.service === 'payment-service').length, 0);
  });

  it('n-plus-one: one staircase of 2 queries per cart line under checkout.load_cart in every trace; none with the set-based query', () => {
    const traces = fixtureTraces('n-plus-one');
    const found = detectNPlusOne(traces);
    assert.equal(found.length, traces.length);
    for (const occurrence of found) {
      assert.equal(occurrence.operation, 'checkout.load_cart');
      assert.equal(occurrence.measure, 20, 'ten lines, a product and a stock query each');
      assert.match(occurrence.evidence, /one after the other/);
    }
    assert.deepEqual(detectNPlusOne(fixtureTraces('all-off')), []);
  });

  it('lock-wait: shipping’s FOR UPDATE waits with lock-contention, handed over by other traces’ commits; none when off', () => {
    const all = detectLockWaits(fixtureTraces('lock-contention'));
    const found = all.filter((occurrence) => occurrence.service === 'shipping-service');
    assert.ok(found.length >= 3, `${found.length} waits`);
    assert.ok(found.length > (all.length - found.length) * 3, 'elsewhere at most a stray coincidence');
    for (const occurrence of found) {
      assert.equal(occurrence.ancestry[0], 'shipping.reserve_and_create');
      assert.match(occurrence.statement ?? '', /FROM carriers WHERE id = \$1 FOR UPDATE/);
      assert.match(occurrence.evidence, /committed/);
      assert.ok(occurrence.measure >= 10);
    }
    assert.deepEqual(
      detectLockWaits(fixtureTraces('all-off')).filter((occurrence) => occurrence.service === 'shipping-service'),
      [],
    );
  });

  it('pool-wait: order’s checkouts wait for a connection with pool-starvation; not with the normal pool', () => {
    const found = detectPoolWaits(fixtureTraces('pool-starvation')).filter((occurrence) => occurrence.ancestry[0] === 'checkout');
    assert.ok(found.length >= 3, `${found.length} waits`);
    assert.ok(found.every((occurrence) => occurrence.service === 'order-service' && occurrence.operation === 'pg-pool.connect'));
    assert.deepEqual(
      detectPoolWaits(fixtureTraces('all-off')).filter((occurrence) => occurrence.service === 'order-service'),
      [],
    );
  });
});

describe('recorded traces: culprit and pathology', () => {
  for (const name of pathologyNames) {
    it(`${name}: the top culprit is its pattern, matched to the catalogue with its fix command`, () => {
      const analysis = analysisOf(name);
      assert.equal(analysis.pathologies[0], name, `pathologies named: ${analysis.pathologies.join(', ')}`);
      assert.equal(analysis.culprit?.kind, 'pattern');
      assert.equal(analysis.culprit?.pathology?.name, name);
      assert.equal(analysis.culprit?.pathology?.fixCommand, `pnpm scenario off ${name}`);
      assert.ok(analysis.culprit.exampleTraceIds.length > 0);
      const text = renderAnalysis(analysis, { top: 10, jaegerUiUrl: 'http://jaeger.test' });
      assert.match(text, new RegExp(`Pathology: ${name} — `));
      assert.match(text, new RegExp(`Fix command: pnpm scenario off ${name}`));
      assert.match(text, /http:\/\/jaeger\.test\/trace\/[0-9a-f]{32}/);
    });
  }

  it('all-off: no pathology is named; the culprit is the top of the critical path', () => {
    const analysis = analysisOf('all-off');
    assert.deepEqual(analysis.pathologies, []);
    assert.equal(analysis.culprit?.kind, 'critical-path');
    assert.equal(analysis.culprit?.pathology, null);
    assert.equal(analysis.culprit?.label, analysis.criticalPath[0]?.label);
  });
});

describe('recorded traces: compare', () => {
  it('missing-index before, all off after: latency, the scan’s share and the named pathology go down', () => {
    const before = analysisOf('missing-index');
    const after = analysisOf('all-off');
    const comparison = compareAnalyses(before, after);
    assert.ok(comparison.checkoutLatencyMs.p50ChangePct! < 0, `p50 change ${comparison.checkoutLatencyMs.p50ChangePct} %`);
    assert.equal(comparison.checkoutLatencyMs.before?.p50, before.checkoutLatencyMs?.p50);
    assert.equal(comparison.checkoutLatencyMs.after?.p50, after.checkoutLatencyMs?.p50);
    assert.ok(comparison.checkoutToShippedMs.before && comparison.checkoutToShippedMs.after);
    const scan = comparison.criticalPath[0]!;
    assert.match(scan.statement ?? '', /FROM payments WHERE customer_id/);
    assert.ok(scan.before!.p50SharePct > scan.after!.p50SharePct);
    assert.deepEqual(comparison.pathologies, { before: ['missing-index'], after: [] });
    const text = renderComparison(comparison);
    assert.match(text, /Checkout latency\s+p50/);
    assert.match(text, /Checkout-to-shipped\s+p50/);
    assert.match(text, /Pathologies named: before missing-index; after none/);
  });

  it('an operation present on one side only has null figures on the other', () => {
    const comparison = compareAnalyses(analysisOf('n-plus-one'), analysisOf('all-off'), 100);
    const perLine = comparison.criticalPath.find((change) => change.statement === 'SELECT quantity FROM stock WHERE product_id = $1');
    assert.ok(perLine, 'the per-line stock query is listed');
    assert.ok(perLine.before);
    assert.equal(perLine.after, null);
  });
});
