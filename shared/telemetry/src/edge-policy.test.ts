/**
 * TRACE_EDGE_POLICY at a public edge, with the real SDK, http and express instrumentations and an
 * in-memory exporter: continue joins the caller's trace, link-only starts a new root linked to the
 * caller's span, ignore starts a new root with no trace of the caller; only declared routes are edges,
 * a trusted caller is always continued, and the caller's sampled flag no longer decides under link-only.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_EDGE_POLICY, declareTraceEdge, shutdownTelemetry, startTelemetry, type TraceEdgePolicy } from './index';

const exporter = new InMemorySpanExporter();
startTelemetry({ serviceName: 'edge-policy-test', exporter, simple: true });
// Loaded only now, after the SDK, exactly as the preload arranges for the services.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require(), not import: it must run after startTelemetry above
const express = require('express') as typeof import('express');

const TRUSTED_HEADER = 'x-edge-test-trusted';

interface Caller {
  traceId: string;
  spanId: string;
  traceparent: string;
}

/**
 * A request through node:http, whose outgoing instrumentation is off: `traceparent` arrives as written.
 * (fetch is instrumented: its client span would replace the header with a context of its own.)
 */
function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = method === 'POST' ? '{}' : undefined;
    const outgoing = request(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function caller(sampled = true): Caller {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${sampled ? '01' : '00'}` };
}

describe('the trace edge policy', () => {
  let baseUrl = '';
  let close: () => Promise<void>;

  before(async () => {
    const app = express();
    app.use(express.json());
    // What the handler still sees of the caller's context.
    app.post('/checkout', (request, response) => {
      response.status(201).json({ traceparent: request.get('traceparent') ?? null });
    });
    app.get('/orders/:id', (request, response) => {
      response.json({ id: request.params.id });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterEach(() => declareTraceEdge(undefined));

  after(async () => {
    await close();
    await shutdownTelemetry();
  });

  function edge(policy: TraceEdgePolicy): void {
    declareTraceEdge({
      policy,
      routes: [{ method: 'POST', path: '/checkout' }],
      isTrusted: (request) => request.headers[TRUSTED_HEADER] === 'yes',
    });
  }

  /** One request; the server span it made (none when it was not sampled), and what the handler saw. */
  async function serve(
    method: 'GET' | 'POST',
    target: string,
    headers: Record<string, string>,
  ): Promise<{ server: ReadableSpan | undefined; seen: { traceparent?: string | null } }> {
    exporter.reset();
    const text = await send(method, `${baseUrl}${target}`, headers);
    const seen = (text.startsWith('{') ? JSON.parse(text) : {}) as { traceparent?: string | null };
    // The span ends as the response closes, a moment after the client has read the body.
    let server: ReadableSpan | undefined;
    for (let wait = 0; wait < 100 && !server; wait += 1) {
      server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
      if (!server) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { server, seen };
  }

  it('continue (the default): the edge joins the caller trace, under the caller span', async () => {
    edge('continue');
    const from = caller();
    const { server, seen } = await serve('POST', '/checkout', { traceparent: from.traceparent });
    assert.ok(server, 'a server span');
    assert.equal(server.spanContext().traceId, from.traceId);
    assert.equal(server.parentSpanContext?.spanId, from.spanId);
    assert.deepEqual(server.links, []);
    assert.equal(server.attributes[ATTR_EDGE_POLICY], undefined);
    assert.equal(seen.traceparent, from.traceparent, 'the handler sees the header as sent');
  });

  it('continue: a caller that is not sampled decides that nothing is recorded (the behaviour link-only changes)', async () => {
    edge('continue');
    const { server } = await serve('POST', '/checkout', { traceparent: caller(false).traceparent });
    assert.equal(server, undefined);
  });

  it('link-only: a new root span whose link points at the caller span', async () => {
    edge('link-only');
    const from = caller();
    const { server, seen } = await serve('POST', '/checkout', { traceparent: from.traceparent, tracestate: 'vendor=value' });
    assert.ok(server, 'a server span');
    assert.equal(server.name, 'POST /checkout');
    assert.notEqual(server.spanContext().traceId, from.traceId, 'a trace of our own');
    assert.equal(server.parentSpanContext, undefined, 'a root span');
    assert.equal(server.links.length, 1);
    assert.equal(server.links[0]!.context.traceId, from.traceId);
    assert.equal(server.links[0]!.context.spanId, from.spanId);
    assert.equal(server.links[0]!.attributes?.[ATTR_EDGE_POLICY], 'link-only');
    assert.equal(server.attributes[ATTR_EDGE_POLICY], 'link-only');
    assert.equal(seen.traceparent, null, 'the caller context is gone before the handler runs');
  });

  it('link-only: our own sampler decides, a caller that is not sampled still gets its link', async () => {
    edge('link-only');
    const from = caller(false);
    const { server } = await serve('POST', '/checkout', { traceparent: from.traceparent });
    assert.ok(server, 'recorded although the caller was not sampled');
    assert.equal(server.parentSpanContext, undefined);
    assert.equal(server.links[0]?.context.spanId, from.spanId);
  });

  it('link-only: the route matches as express routes it (any case, a trailing slash, a query)', async () => {
    edge('link-only');
    for (const target of ['/Checkout', '/checkout/', '/checkout?debug=1']) {
      const from = caller();
      const { server } = await serve('POST', target, { traceparent: from.traceparent });
      assert.ok(server, target);
      assert.equal(server.parentSpanContext, undefined, `${target}: a root span`);
      assert.equal(server.links[0]?.context.traceId, from.traceId, target);
    }
  });

  it('ignore: a new root span, no link, nothing of the caller', async () => {
    edge('ignore');
    const from = caller();
    const { server, seen } = await serve('POST', '/checkout', { traceparent: from.traceparent });
    assert.ok(server, 'a server span');
    assert.notEqual(server.spanContext().traceId, from.traceId);
    assert.equal(server.parentSpanContext, undefined);
    assert.deepEqual(server.links, []);
    assert.equal(server.attributes[ATTR_EDGE_POLICY], 'ignore');
    assert.equal(seen.traceparent, null);
  });

  it('applies to the declared routes only: other routes continue the caller trace', async () => {
    edge('ignore');
    const from = caller();
    const { server } = await serve('GET', '/orders/42', { traceparent: from.traceparent });
    assert.ok(server);
    assert.equal(server.spanContext().traceId, from.traceId);
    assert.equal(server.parentSpanContext?.spanId, from.spanId);
  });

  it('continues a trusted caller (one of our services) whatever the policy', async () => {
    for (const policy of ['link-only', 'ignore'] as const) {
      edge(policy);
      const from = caller();
      const { server } = await serve('POST', '/checkout', { traceparent: from.traceparent, [TRUSTED_HEADER]: 'yes' });
      assert.ok(server, policy);
      assert.equal(server.spanContext().traceId, from.traceId, policy);
      assert.equal(server.parentSpanContext?.spanId, from.spanId, policy);
      assert.deepEqual(server.links, [], policy);
    }
  });

  it('a process that declares no routes treats every request as an edge (the shop)', async () => {
    declareTraceEdge({ policy: 'link-only' });
    const from = caller();
    const { server } = await serve('GET', '/orders/7', { traceparent: from.traceparent });
    assert.ok(server);
    assert.equal(server.parentSpanContext, undefined);
    assert.equal(server.links[0]?.context.spanId, from.spanId);
  });

  it('without a caller context, link-only and ignore make a plain root span', async () => {
    for (const policy of ['link-only', 'ignore'] as const) {
      edge(policy);
      const { server } = await serve('POST', '/checkout', {});
      assert.ok(server, policy);
      assert.equal(server.parentSpanContext, undefined);
      assert.deepEqual(server.links, []);
      assert.equal(server.attributes[ATTR_EDGE_POLICY], undefined, policy);
    }
  });
});
