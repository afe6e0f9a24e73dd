import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResult } from './http-client';
import { OutcomeCounter, SlowestTraces, jaegerTraceUrl, orderIdOf, traceIdOf } from './outcomes';

const response = (status: number): HttpResult => ({ kind: 'response', status, headers: {}, body: undefined, endAt: 0 });

describe('OutcomeCounter', () => {
  it('counts 201 and 402 apart from errors, other statuses by code, network errors by kind', () => {
    const counter = new OutcomeCounter();
    const results: HttpResult[] = [
      response(201),
      response(201),
      response(402),
      response(500),
      response(503),
      response(500),
      response(409),
      { kind: 'network', code: 'ECONNRESET', endAt: 0 },
      { kind: 'network', code: 'ECONNREFUSED', endAt: 0 },
      { kind: 'network', code: 'ECONNRESET', endAt: 0 },
      { kind: 'timeout', endAt: 0 },
    ];
    for (const result of results) counter.add(result);
    counter.addDropped();
    assert.deepEqual(counter.counts(), {
      created: 2,
      declined: 1,
      byStatus: { '409': 1, '500': 2, '503': 1 },
      networkErrors: { ECONNRESET: 2, ECONNREFUSED: 1 },
      timeouts: 1,
      dropped: 1,
      errors: 8,
    });
  });
});

describe('SlowestTraces', () => {
  it('keeps the N slowest, slowest first, with Jaeger links', () => {
    const slowest = new SlowestTraces(3, 'http://jaeger.test:16686/');
    const latencies = [5, 50, 1, 70, 20, 60, 3];
    latencies.forEach((latencyMs, i) => slowest.offer({ traceId: `t${i}`, latencyMs, status: 201, orderId: null }));
    const list = slowest.list();
    assert.deepEqual(
      list.map((t) => [t.traceId, t.latencyMs]),
      [
        ['t3', 70],
        ['t5', 60],
        ['t1', 50],
      ],
    );
    assert.equal(list[0]!.jaegerUrl, 'http://jaeger.test:16686/trace/t3');
  });

  it('keeps nothing when N is 0', () => {
    const slowest = new SlowestTraces(0, 'http://j');
    slowest.offer({ traceId: 'a', latencyMs: 1, status: 201, orderId: null });
    assert.deepEqual(slowest.list(), []);
  });

  it('agrees with a full sort on random input', () => {
    const slowest = new SlowestTraces(10, 'http://j');
    const all: number[] = [];
    let x = 17;
    for (let i = 0; i < 1000; i += 1) {
      x = (x * 48271) % 2147483647;
      const latency = x % 5000;
      all.push(latency);
      slowest.offer({ traceId: String(i), latencyMs: latency, status: 201, orderId: null });
    }
    assert.deepEqual(
      slowest.list().map((t) => t.latencyMs),
      all.sort((a, b) => b - a).slice(0, 10),
    );
  });
});

describe('trace and order ids', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  it('prefers the body traceId, else the traceresponse header', () => {
    assert.equal(traceIdOf({ traceId: id }, undefined), id);
    assert.equal(traceIdOf({}, `00-${id}-00f067aa0ba902b7-01`), id);
    assert.equal(traceIdOf({ traceId: 'nope' }, `00-${id}-00f067aa0ba902b7-01`), id);
    assert.equal(traceIdOf(undefined, undefined), undefined);
    assert.equal(traceIdOf(undefined, 'garbage'), undefined);
    assert.equal(traceIdOf({ traceId: '0'.repeat(32) }, undefined), undefined);
  });

  it('reads the order id of a checkout answer', () => {
    assert.equal(orderIdOf({ orderId: 'o-1' }), 'o-1');
    assert.equal(orderIdOf({ orderId: 5 }), undefined);
    assert.equal(orderIdOf(null), undefined);
  });

  it('builds Jaeger links with or without a trailing slash', () => {
    assert.equal(jaegerTraceUrl('http://localhost:16686', id), `http://localhost:16686/trace/${id}`);
    assert.equal(jaegerTraceUrl('http://localhost:16686/', id), `http://localhost:16686/trace/${id}`);
  });
});
