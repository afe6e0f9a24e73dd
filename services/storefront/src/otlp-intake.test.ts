import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { createApp, HttpError } from '@tracecart/http';
import { createLogger } from '@tracecart/logger';
import { checkBrowserSpans, INTAKE_BODY_LIMIT, otlpIntake } from './otlp-intake';

function batch(service: string, overrides: Record<string, unknown> = {}) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'x' },
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'click',
                kind: 1,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000100000000',
                ...overrides,
              },
            ],
          },
        ],
      },
    ],
  };
}

function refusal(contentType: string | undefined, body: unknown): HttpError {
  try {
    checkBrowserSpans(contentType, body);
  } catch (error) {
    assert.ok(error instanceof HttpError, `expected an HttpError, got ${String(error)}`);
    return error;
  }
  assert.fail('the batch was accepted');
}

test('accepts OTLP/JSON spans of storefront-web, unknown fields kept for Jaeger', () => {
  const accepted = checkBrowserSpans('application/json', batch('storefront-web'));
  assert.equal(accepted.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name, 'click');
  assert.equal((accepted.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Record<string, unknown>).kind, 1);
});

test('refuses spans of another service with 403', () => {
  const error = refusal('application/json', batch('order-service'));
  assert.equal(error.status, 403);
  assert.equal(error.code, 'service_not_allowed');
});

test('refuses a resource without service.name, or one of several resources from elsewhere', () => {
  const none = batch('storefront-web');
  (none.resourceSpans[0] as { resource: { attributes: unknown[] } }).resource.attributes = [];
  assert.equal(refusal('application/json', none).status, 403);
  const mixed = batch('storefront-web');
  mixed.resourceSpans.push(...batch('payment-service').resourceSpans);
  assert.equal(refusal('application/json', mixed).status, 403);
});

test('refuses protobuf and other media types with 415', () => {
  assert.equal(refusal('application/x-protobuf', Buffer.from([1, 2])).status, 415);
  assert.equal(refusal(undefined, undefined).status, 415);
});

test('refuses malformed batches with 400 naming the field', () => {
  assert.equal(refusal('application/json', {}).status, 400);
  assert.equal(refusal('application/json', { resourceSpans: [] }).status, 400);
  assert.equal(refusal('application/json', { resourceSpans: 'x' }).status, 400);
  assert.equal(refusal('application/json', { ...batch('storefront-web'), extra: 1 }).status, 400);
  const badId = refusal('application/json', batch('storefront-web', { traceId: 'not-hex' }));
  assert.equal(badId.status, 400);
  assert.match(String(badId.details.field), /traceId/);
  assert.equal(refusal('application/json', batch('storefront-web', { name: '' })).status, 400);
  assert.equal(refusal('application/json', batch('storefront-web', { endTimeUnixNano: 'soon' })).status, 400);
});

/**
 * The intake route in the shop's app skeleton on an ephemeral loopback port, forwarding to port 9 where
 * nothing listens: an accepted batch then fails with 503, never 200.
 */
async function intakeServer(requestsPerMinute?: number) {
  const app = createApp({
    logger: createLogger('test', 'silent'),
    bodyLimit: INTAKE_BODY_LIMIT,
    readiness: {},
    internalToken: 'test-internal-token',
    routers: [otlpIntake('http://127.0.0.1:9', requestsPerMinute)],
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('the intake route answers 429 JSON once a client passes its rate, before anything reaches Jaeger', async () => {
  const { server, port } = await intakeServer(3);
  try {
    const send = (service: string) =>
      fetch(`http://127.0.0.1:${port}/otlp/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch(service)),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await send('order-service')).status);
    assert.deepEqual(statuses, [403, 403, 403]);
    const limited = await send('storefront-web');
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as { error: string }).error, 'too_many_requests');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('the intake says Jaeger is down (503 JSON) when it cannot forward an accepted batch', async () => {
  const { server, port } = await intakeServer();
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch('storefront-web')),
    });
    assert.equal(answer.status, 503);
    assert.deepEqual(await answer.json(), {
      error: 'jaeger_unavailable',
      message: 'Jaeger does not answer; the spans were dropped',
      down: 'jaeger',
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
