/**
 * The Monitor tab's data end to end (issue 14): checkouts -> every span through Jaeger's spanmetrics
 * connector -> Prometheus exporter -> the stack's Prometheus -> Jaeger's /api/metrics. Polled with a
 * generous deadline (Prometheus scrapes every 5 s, the connector flushes every 5 s): no timed assertion.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { waitUntil } from './faults';
import { jaegerMetrics, type MetricSeries } from './sampling-stack';
import { cart, checkout } from './stack';

/** The span kind each service serves a checkout with: order and payment over HTTP, shipping from the queue. */
const servedAs = { 'order-service': 'server', 'payment-service': 'server', 'shipping-service': 'consumer' } as const;
const DEADLINE_MS = 180_000;

const hasValue = (series: MetricSeries[]) =>
  series.some((one) => one.points.some((point) => Number.isFinite(point.value) && point.value > 0));

describe("Jaeger's metrics API (Monitor tab) answers for every service after checkouts", () => {
  before(async () => {
    for (let i = 0; i < 6; i += 1) assert.equal((await checkout(cart(2))).status, 201);
    for (let i = 0; i < 2; i += 1) assert.equal((await checkout(cart(1, 'tok_chargeDeclined'))).status, 402);
  });

  it('Prometheus scrapes the Jaeger span-metrics target', async () => {
    const prometheus = process.env.PROMETHEUS_URL ?? 'http://localhost:9090';
    const up = await waitUntil(
      'the jaeger-spanmetrics target to be up',
      async () => {
        const answer = (await (await fetch(`${prometheus}/api/v1/query?query=up{job="jaeger-spanmetrics"}`)).json()) as {
          data: { result: Array<{ value: [number, string] }> };
        };
        return answer.data.result[0]?.value[1] === '1' ? true : undefined;
      },
      DEADLINE_MS,
      1_000,
    );
    assert.equal(up, true);
  });

  for (const [service, spanKind] of Object.entries(servedAs)) {
    it(`has call rates, error rates and p95 latencies for ${service} (${spanKind} spans)`, async () => {
      const calls = await waitUntil(
        `call rates of ${service}`,
        async () => {
          const series = await jaegerMetrics('calls', { service, spanKind });
          return hasValue(series) ? series : undefined;
        },
        DEADLINE_MS,
        2_000,
      );
      assert.equal(calls[0]?.labels.service_name, service);
      const latencies = await waitUntil(
        `p95 latencies of ${service}`,
        async () => {
          const series = await jaegerMetrics('latencies', { service, spanKind, quantile: 0.95 });
          return hasValue(series) ? series : undefined;
        },
        DEADLINE_MS,
        2_000,
      );
      assert.equal(latencies[0]?.labels.service_name, service);
      const errors = await jaegerMetrics('errors', { service, spanKind });
      assert.ok(errors.length > 0, `no error-rate series for ${service}`);
    });
  }

  // A decline is ERROR on payment's internal payment.decline span; its 402 server span stays unset.
  it("counts payment's declines as errors", async () => {
    const errors = await waitUntil(
      'an error rate above 0 for payment-service',
      async () => {
        const series = await jaegerMetrics('errors', { service: 'payment-service', spanKind: 'internal' });
        return hasValue(series) ? series : undefined;
      },
      DEADLINE_MS,
      2_000,
    );
    assert.ok(hasValue(errors));
  });

  it('breaks order-service calls down by operation, POST /checkout among them', async () => {
    const operations = await waitUntil(
      'order-service operations',
      async () => {
        const series = await jaegerMetrics('calls', { service: 'order-service', spanKind: 'server', groupByOperation: true });
        const names = series.filter((one) => hasValue([one])).map((one) => one.labels.operation);
        return names.includes('POST /checkout') ? names : undefined;
      },
      DEADLINE_MS,
      2_000,
    );
    assert.ok(operations.includes('POST /checkout'), operations.join(', '));
  });
});
