/** Fixture trimming keeps what the report reads and drops host, process and network details. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flattenTraces, type OtlpTraces } from '@tracecart/jaeger-client';
import { trimOtlp } from './trim';

const text = (value: string) => ({ stringValue: value });

const recorded = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: text('payment-service') },
          { key: 'host.name', value: text('vm') },
          { key: 'process.pid', value: { intValue: '42' } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-pg', version: '0.77.0' },
          spans: [
            {
              traceId: 'a'.repeat(32),
              spanId: 'b'.repeat(16),
              parentSpanId: 'c'.repeat(16),
              flags: 1,
              name: 'SELECT payments',
              kind: 3,
              startTimeUnixNano: '1000000000',
              endTimeUnixNano: '1060000000',
              attributes: [
                { key: 'db.system.name', value: text('postgresql') },
                { key: 'db.query.text', value: text('SELECT count(*) FROM payments WHERE customer_id = $1') },
                { key: 'db.query.summary', value: text('SELECT payments') },
                { key: 'db.operation.name', value: text('SELECT') },
                { key: 'db.collection.name', value: text('payments') },
                { key: 'db.postgresql.idle.timeout.millis', value: { intValue: '30000' } },
                { key: 'network.peer.port', value: { intValue: '6432' } },
                { key: 'app.scenario.missing-index', value: { boolValue: true } },
              ],
              events: [
                {
                  name: 'app.db.plan',
                  timeUnixNano: '1060000000',
                  attributes: [{ key: 'app.db.plan.summary', value: text('Aggregate <- Seq Scan on payments (rows≈14)') }],
                },
              ],
              status: {},
            },
          ],
        },
      ],
    },
  ],
} as unknown as OtlpTraces;

describe('trimOtlp', () => {
  it('keeps the span, its ids, times, events and the attributes the report reads', () => {
    const [before] = flattenTraces(recorded);
    const [after] = flattenTraces(trimOtlp(recorded));
    assert.ok(before && after);
    assert.deepEqual({ ...after, attributes: undefined }, { ...before, attributes: undefined });
    assert.deepEqual(after.attributes, {
      'db.system.name': 'postgresql',
      'db.query.text': 'SELECT count(*) FROM payments WHERE customer_id = $1',
      'db.query.summary': 'SELECT payments',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'payments',
      'app.scenario.missing-index': true,
    });
  });

  it('drops resource details but the service name', () => {
    const trimmed = trimOtlp(recorded);
    assert.deepEqual(trimmed.resourceSpans?.[0]?.resource?.attributes, [{ key: 'service.name', value: text('payment-service') }]);
  });
});
