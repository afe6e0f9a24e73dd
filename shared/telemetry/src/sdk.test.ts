/**
 * The telemetry bootstrap, tested with an in-memory exporter: instrumentations patch express (loaded
 * after the SDK, as the --require preload guarantees), fs/dns/net stay off, probes are not traced,
 * only W3C trace context propagates, and our span helpers mark failures.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { pgRequestHook } from './db-hooks';
import { inSpan, recordFailure, shutdownTelemetry, spanCounts, startTelemetry, traceResponseHeader, withUrlTemplate } from './index';

const exporter = new InMemorySpanExporter();
startTelemetry({ serviceName: 'telemetry-test', exporter, simple: true });
// Loaded only now, after the SDK, exactly as the preload arranges for the services.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require(), not import: it must run after startTelemetry above
const express = require('express') as typeof import('express');

describe('telemetry bootstrap', () => {
  let baseUrl = '';
  let close: () => Promise<void>;

  before(async () => {
    const app = express();
    app.get('/items/:id', (request, response) => {
      response.json({ id: request.params.id, traced: trace.getActiveSpan() !== undefined });
    });
    app.get('/healthz', (_request, response) => {
      response.json({ status: 'ok' });
    });
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  after(async () => {
    await close();
    await shutdownTelemetry();
  });

  it('names the server span after the express route', async () => {
    exporter.reset();
    const answer = (await (await fetch(`${baseUrl}/items/42`)).json()) as { traced: boolean };
    assert.equal(answer.traced, true, 'the handler runs inside a span');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const server = exporter
      .getFinishedSpans()
      .find((span) => span.kind === SpanKind.SERVER && span.instrumentationScope.name.includes('http'));
    assert.ok(
      server,
      `no server span among ${exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .join(', ')}`,
    );
    assert.equal(server.name, 'GET /items/:id');
    assert.equal(server.attributes['http.route'], '/items/:id');
  });

  it('names a client span by the route template its caller gave, else by the method alone', async () => {
    exporter.reset();
    await inSpan('calling', {}, async () => {
      await withUrlTemplate('/items/:id', () => fetch(`${baseUrl}/items/42?secret=fake-s3cr3t`));
      await fetch(`${baseUrl}/items/43`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const clients = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    assert.deepEqual(
      clients.map((span) => span.name),
      ['GET /items/:id', 'GET'],
    );
    assert.equal(clients[0]!.attributes['url.template'], '/items/:id');
    assert.equal(clients[1]!.attributes['url.template'], undefined);
  });

  it('names a query span by its summary, with the semconv attributes and no values', () => {
    exporter.reset();
    const span = trace.getTracer('test').startSpan('pg.query:SELECT tracecart_shipping');
    pgRequestHook(span, { query: { text: 'SELECT capacity FROM carriers WHERE id = $1 FOR UPDATE', values: ['carrier-secret'] } });
    span.end();
    const [ended] = exporter.getFinishedSpans();
    assert.equal(ended!.name, 'SELECT carriers FOR UPDATE');
    assert.equal(ended!.attributes['db.query.summary'], 'SELECT carriers FOR UPDATE');
    assert.equal(ended!.attributes['db.operation.name'], 'SELECT');
    assert.equal(ended!.attributes['db.collection.name'], 'carriers');
    assert.ok(!JSON.stringify(ended!.attributes).includes('carrier-secret'));
  });

  it('makes no fs, dns or tcp.connect spans', async () => {
    exporter.reset();
    await fetch(`${baseUrl}/items/7`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const names = exporter.getFinishedSpans().map((span) => span.name);
    assert.ok(names.length > 0);
    assert.ok(!names.some((name) => /tcp\.connect|^dns\.|^fs\./.test(name)), names.join(', '));
  });

  it('does not trace health probes', async () => {
    exporter.reset();
    await fetch(`${baseUrl}/healthz`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      exporter
        .getFinishedSpans()
        .filter((span) => span.kind === SpanKind.SERVER)
        .map((span) => span.name),
      [],
    );
  });

  it('propagates W3C trace context only, never baggage', () => {
    assert.deepEqual(propagation.fields(), ['traceparent', 'tracestate']);
  });

  it('records failures as an exception event with ERROR status', async () => {
    exporter.reset();
    await assert.rejects(
      inSpan('failing.work', { 'app.test': true }, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === 'failing.work');
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events[0]?.name, 'exception');
    assert.equal(span.events[0]?.attributes?.['exception.message'], 'boom');
    recordFailure(undefined, new Error('no span: no crash'));
  });

  it('counts spans as they end', async () => {
    const before = spanCounts().ended;
    await inSpan('counted', {}, async () => undefined);
    assert.equal(spanCounts().ended, before + 1);
  });
});

/**
 * A process started as the services start (the bootstrap's defaults, OTLP to OTEL_EXPORTER_OTLP_ENDPOINT,
 * here a local HTTP server) records a metric and a log record through the global OpenTelemetry APIs and
 * shuts down, which flushes every exporter it has. Only traces may arrive; with the exporters asked for
 * explicitly, metrics and logs do arrive at the same server (so the check can see them).
 */
describe('metrics and logs exporters', () => {
  const child = `
    const { logs, metrics } = require('@opentelemetry/api');
    const telemetry = require(${JSON.stringify(path.join(__dirname, 'index.js'))});
    telemetry.startTelemetry({ serviceName: 'quiet-signals-test' });
    metrics.getMeter('quiet-signals-test').createCounter('app.test.counter').add(1);
    logs.getLogger('quiet-signals-test').emit({ body: 'a log record' });
    telemetry.inSpan('quiet.work', {}, async () => undefined).then(() => telemetry.shutdownTelemetry());
  `;

  /** The OTLP paths a child process posted to, from start to its exit (its shutdown flushes everything). */
  async function postedPaths(env: Record<string, string>): Promise<string[]> {
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? '');
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const quiet = { ...process.env };
      for (const name of Object.keys(quiet)) if (name.startsWith('OTEL_')) delete quiet[name];
      await new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          ['-e', child],
          { cwd: path.join(__dirname, '..'), env: { ...quiet, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env }, timeout: 60_000 },
          (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
        );
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    return paths;
  }

  it('exports traces only, when nobody configured the other signals', async () => {
    const paths = await postedPaths({});
    assert.ok(paths.includes('/v1/traces'), `the trace exporter reached the endpoint: ${paths.join(', ')}`);
    assert.deepEqual(
      paths.filter((posted) => posted !== '/v1/traces'),
      [],
      'no metrics or logs exporter ran',
    );
  });

  it('would see metrics and logs exporters: configured explicitly, they post to the same endpoint', async () => {
    const paths = await postedPaths({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' });
    assert.ok(paths.includes('/v1/metrics'), paths.join(', '));
    assert.ok(paths.includes('/v1/logs'), paths.join(', '));
  });
});

describe('traceResponseHeader', () => {
  it('formats W3C Trace Context level 2', () => {
    assert.equal(
      traceResponseHeader({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }),
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
  });
});
