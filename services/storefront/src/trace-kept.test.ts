/**
 * GET /api/traces/:traceId against a stand-in for Jaeger's query API (a loopback server answering
 * /api/v3/traces/:id as Jaeger does): kept, empty, not yet stored then stored, and Jaeger failing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApp } from '@tracecart/http';
import { createLogger } from '@tracecart/logger';
import { traceKeptRoutes } from './trace-kept';

const stored = 'a'.repeat(32);
const empty = 'b'.repeat(32);
const late = 'c'.repeat(32);
const broken = 'd'.repeat(32);
const unknown = 'e'.repeat(32);
const calls = new Map<string, number>();

/** Jaeger's answers: a stored trace streams its spans; an unknown one is 404; `late` appears on the 2nd ask. */
function fakeJaeger(): Server {
  return createServer((request, response) => {
    const id = /^\/api\/v3\/traces\/([0-9a-f]{32})$/.exec(request.url ?? '')?.[1] ?? '';
    const count = (calls.get(id) ?? 0) + 1;
    calls.set(id, count);
    const spans = JSON.stringify({
      result: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: id, spanId: '0123456789abcdef', name: 'POST /checkout' }] }] }] },
    });
    if (id === stored || (id === late && count >= 2)) response.writeHead(200, { 'content-type': 'application/json' }).end(spans);
    else if (id === empty)
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { resourceSpans: [] } }));
    else if (id === broken) response.writeHead(500).end('storage failed');
    else response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'trace not found' } }));
  });
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('GET /api/traces/:traceId', () => {
  const jaeger = fakeJaeger();
  let shop: Server;
  let base = '';
  before(async () => {
    const jaegerUrl = await listen(jaeger);
    const app = createApp({
      logger: createLogger('test', 'silent'),
      bodyLimit: '16kb',
      readiness: {},
      internalToken: 'test-internal-token',
      routers: [traceKeptRoutes(jaegerUrl)],
    });
    shop = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => shop.once('listening', resolve));
    base = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  });
  after(() => {
    shop?.close();
    jaeger.close();
  });
  const ask = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('says kept when Jaeger streams spans of the trace, not kept when it answers 404 or no spans', async () => {
    assert.deepEqual(await ask(`/api/traces/${stored}`), { status: 200, body: { traceId: stored, kept: true } });
    assert.deepEqual(await ask(`/api/traces/${empty}`), { status: 200, body: { traceId: empty, kept: false } });
    assert.deepEqual(await ask(`/api/traces/${unknown}`), { status: 200, body: { traceId: unknown, kept: false } });
    assert.equal(calls.get(unknown), 1, 'waitMs 0: asked once');
  });

  it('keeps asking within waitMs until Jaeger has stored the trace', async () => {
    assert.deepEqual(await ask(`/api/traces/${late}?waitMs=20000`), { status: 200, body: { traceId: late, kept: true } });
    assert.equal(calls.get(late), 2);
  });

  it('answers 503 naming jaeger when Jaeger fails, and 400 for a malformed id or wait', async () => {
    const failed = await ask(`/api/traces/${broken}`);
    assert.equal(failed.status, 503);
    assert.equal(failed.body.error, 'jaeger_unavailable');
    assert.equal(failed.body.down, 'jaeger');
    for (const path of [
      `/api/traces/${stored.toUpperCase()}`,
      '/api/traces/123',
      `/api/traces/${stored}?waitMs=30001`,
      `/api/traces/${stored}?waitMs=-1`,
      `/api/traces/${stored}?waitMs=soon`,
    ]) {
      const refused = await ask(path);
      assert.equal(refused.status, 400, path);
      assert.equal(refused.body.error, 'invalid_request', path);
    }
  });
});
