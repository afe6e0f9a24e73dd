/**
 * Property-based fuzzing (fast-check) of every HTTP endpoint of the three services with hostile input:
 * random and malformed JSON, wrong types, bodies over the 100kb limit, unicode, SQL injection strings,
 * malformed traceparent / tracestate / baggage headers. Every answer must be below 500, every 4xx must
 * carry a JSON error body, and no service may crash or stop being ready. Prints the cases tried.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { pathologyNames } from '@tracecart/lab-catalogue';
import { sql } from './faults';
import {
  assertSane,
  count,
  hostileNumber,
  hostileString,
  hostileValue,
  limitQuery,
  pathSegment,
  send,
  sqlInjections,
  tally,
  tallyTotal,
  traceHeaders,
  watchServices,
  type RawRequest,
} from './fuzz';
import { config, type ServiceName } from './stack';

const BODY_LIMIT = 100 * 1024;

const validCustomer = fc.integer({ min: 1, max: 10_000 }).map((n) => `cust-${String(n).padStart(5, '0')}`);
const validSku = fc.integer({ min: 1, max: 2_000 }).map((n) => `SKU-${String(n).padStart(5, '0')}`);

/** A valid object with one or two of its fields (at any depth) replaced by hostile values. */
function nearlyValid(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 2 })).map(([base, mutations]) => {
    const copy = structuredClone(base);
    for (const [pick, value] of mutations) {
      const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
      const walk = (node: unknown) => {
        if (Array.isArray(node)) {
          node.forEach((child, index) => {
            slots.push([node, index]);
            walk(child);
          });
        } else if (node && typeof node === 'object') {
          for (const [key, child] of Object.entries(node)) {
            slots.push([node as Record<string, unknown>, key]);
            walk(child);
          }
        }
      };
      walk(copy);
      const [holder, key] = slots[pick % slots.length]!;
      (holder as Record<string | number, unknown>)[key] = value;
    }
    return copy;
  });
}

const validCheckout = fc.record({
  customerId: validCustomer,
  items: fc.array(fc.record({ sku: validSku, quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 5 }),
  payment: fc.record({ method: fc.constant('card'), token: fc.constantFrom('tok_visa', 'tok_chargeDeclined') }),
});

const checkoutShaped: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nearlyValid(validCheckout) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        customerId: fc.oneof(validCustomer, hostileValue),
        items: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.array(
              fc.record(
                { sku: fc.oneof(validSku, hostileValue), quantity: fc.oneof(fc.integer({ min: 1, max: 3 }), hostileNumber) },
                { requiredKeys: [] },
              ),
              { maxLength: 60 },
            ),
          },
          { weight: 1, arbitrary: hostileValue },
        ),
        payment: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record(
              {
                method: fc.oneof(fc.constant('card'), hostileValue),
                token: fc.oneof(fc.constantFrom('tok_visa', 'tok_chargeDeclined'), hostileValue),
              },
              { requiredKeys: [] },
            ),
          },
          { weight: 1, arbitrary: hostileValue },
        ),
        extra: hostileValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

const validPayment = fc.record({
  orderId: fc.uuid({ version: 4 }),
  customerId: validCustomer,
  amount: fc.integer({ min: 0, max: 50_000 }).map((cents) => cents / 100),
  currency: fc.constant('EUR'),
  method: fc.constant('card'),
  token: fc.constantFrom('tok_visa', 'tok_chargeDeclined'),
});

const paymentShaped: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nearlyValid(validPayment) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        orderId: fc.oneof(fc.uuid(), hostileValue),
        customerId: fc.oneof(validCustomer, hostileValue),
        amount: fc.oneof(fc.integer({ min: 0, max: 500 }), hostileNumber),
        currency: fc.oneof(fc.constant('EUR'), hostileValue),
        method: fc.oneof(fc.constant('card'), hostileValue),
        token: fc.oneof(fc.constantFrom('tok_visa', 'tok_chargeDeclined'), hostileValue),
        extra: hostileValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** A request body: JSON of the value, or broken bytes, or too big, under assorted content types. */
function bodyOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: Buffer; contentType: string | undefined; shape: string }> {
  const json = value.map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8'));
  return fc
    .record({
      body: fc.oneof(
        { weight: 8, arbitrary: json },
        { weight: 1, arbitrary: fc.tuple(json, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, cut % Math.max(1, bytes.length))) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('{', '[', '{"a":', 'nul', '"\\ud800"', '{"customerId": 1e999999}', '\ufeff{}', '{"a":1,"a":2}', ' ')
            .map((text) => Buffer.from(text, 'utf8')),
        },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 3 })
            .map((size) => Buffer.from(`{"customerId":"${'a'.repeat(size)}"}`, 'utf8')),
        },
        {
          weight: 1,
          arbitrary: fc.integer({ min: 1, max: 5_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth), 'utf8')),
        },
      ),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            undefined,
            'text/plain',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'application/json; charset=utf-8',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/vnd.api+json',
            'APPLICATION/JSON',
            '*/*',
          ),
        },
      ),
    })
    .map((entry) => ({ ...entry, shape: entry.body.length > BODY_LIMIT ? 'too-large' : 'any' }));
}

async function answerOf(request: RawRequest, what: string) {
  const answer = await send(request);
  count(what);
  assertSane(answer, `${request.method} ${request.path.slice(0, 120)}`);
  return answer;
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * RUNS)), endOnFailure: true });

describe('fuzzing every endpoint with hostile input', { timeout: 600_000 }, () => {
  const stillStanding = watchServices();
  after(() => {
    console.log(`[reliability] fuzz (HTTP): ${tallyTotal()} cases tried, 0 answered 5xx: ${JSON.stringify(Object.fromEntries(tally))}`);
  });

  it('POST /checkout', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyOf(checkoutShaped),
        traceHeaders,
        fc.option(fc.oneof(fc.uuid(), hostileString), { nil: undefined }),
        async ({ body, contentType, shape }, trace, key) => {
          const headers: Record<string, string> = { ...trace };
          if (contentType) headers['content-type'] = contentType;
          if (key !== undefined) headers['idempotency-key'] = key.replace(/[^\t\x20-\x7e]/g, '');
          const answer = await answerOf({ service: 'order', method: 'POST', path: '/checkout', headers, body }, 'POST /checkout');
          if (shape === 'too-large' && contentType === 'application/json') assert.equal(answer.status, 413, answer.text);
        },
      ),
      runs(700),
    );
    await stillStanding();
  });

  it('POST /payments', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(paymentShaped), traceHeaders, async ({ body, contentType, shape }, trace) => {
        // With payment's internal credential, so the fuzzed bodies reach validation and the handler.
        const headers: Record<string, string> = { ...trace, 'x-tracecart-internal-token': config.INTERNAL_TOKEN };
        if (contentType) headers['content-type'] = contentType;
        const answer = await answerOf({ service: 'payment', method: 'POST', path: '/payments', headers, body }, 'POST /payments');
        if (shape === 'too-large' && contentType === 'application/json') assert.equal(answer.status, 413, answer.text);
      }),
      runs(500),
    );
    await stillStanding();
  });

  const byId: Array<[ServiceName, string]> = [
    ['order', '/orders/'],
    ['payment', '/payments/orders/'],
    ['shipping', '/shipments/'],
  ];
  for (const [service, prefix] of byId) {
    it(`GET ${prefix}:id`, async () => {
      await fc.assert(
        fc.asyncProperty(pathSegment, fc.option(limitQuery, { nil: undefined }), traceHeaders, async (segment, query, headers) => {
          const path = `${prefix}${segment}${query ? `?${query}` : ''}`;
          const credential: Record<string, string> = service === 'payment' ? { 'x-tracecart-internal-token': config.INTERNAL_TOKEN } : {};
          const answer = await answerOf({ service, method: 'GET', path, headers: { ...headers, ...credential } }, `GET ${prefix}:id`);
          assert.ok([200, 400, 404, 431].includes(answer.status), `${path}: ${answer.status} ${answer.text.slice(0, 200)}`);
        }),
        runs(300),
      );
      await stillStanding();
    });
  }

  for (const path of ['/products', '/customers']) {
    it(`GET ${path}?limit=`, async () => {
      await fc.assert(
        fc.asyncProperty(limitQuery, traceHeaders, async (query, headers) => {
          const answer = await answerOf({ service: 'order', method: 'GET', path: `${path}?${query}`, headers }, `GET ${path}?limit=`);
          if (answer.status === 200) {
            const rows = JSON.parse(answer.text) as unknown[];
            assert.ok(Array.isArray(rows) && rows.length <= 10_000);
          } else {
            assert.equal(answer.status, 400, answer.text);
          }
        }),
        runs(200),
      );
      await stillStanding();
    });
  }

  it('PUT /scenarios/:name (the switches refuse anyone without the right token)', async () => {
    const right = `Bearer ${config.SCENARIO_TOKEN}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ServiceName>('order', 'payment', 'shipping'),
        fc.oneof(fc.constantFrom(...pathologyNames), pathSegment),
        fc.oneof(
          fc.constant(undefined),
          fc.constant(right),
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            'bearer x',
            `Basic ${Buffer.from('a:b').toString('base64')}`,
            `Bearer ${config.SCENARIO_TOKEN}x`,
            `Bearer ${config.SCENARIO_TOKEN.slice(0, -1)}`,
            `Bearer  ${config.SCENARIO_TOKEN}`,
          ),
          hostileString.map((value) => `Bearer ${value.replace(/[^\x21-\x7e]/g, '')}`),
        ),
        bodyOf(fc.oneof(fc.record({ enabled: hostileValue }), fc.jsonValue({ maxDepth: 2 }))),
        traceHeaders,
        async (service, name, authorization, { body, contentType }, trace) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch {
            parsed = undefined;
          }
          // What express.json (strict) accepts: an object or an array, within the size limit.
          const wellFormed =
            contentType === 'application/json' && body.length <= BODY_LIMIT && typeof parsed === 'object' && parsed !== null;
          const wouldSwitch =
            authorization === right &&
            (pathologyNames as readonly string[]).includes(name) &&
            wellFormed &&
            typeof parsed === 'object' &&
            parsed !== null &&
            !Array.isArray(parsed) &&
            Object.keys(parsed).length === 1 &&
            typeof (parsed as { enabled?: unknown }).enabled === 'boolean';
          fc.pre(!wouldSwitch); // never actually flip a switch
          const headers: Record<string, string> = { ...trace };
          if (contentType) headers['content-type'] = contentType;
          if (authorization !== undefined) headers.authorization = authorization;
          const answer = await answerOf({ service, method: 'PUT', path: `/scenarios/${name}`, headers, body }, 'PUT /scenarios/:name');
          // (A name that does not URL-decode is refused with 400 before any route runs; an empty one matches no route.)
          let routable = name !== '';
          try {
            decodeURIComponent(name);
          } catch {
            routable = false;
          }
          if (wellFormed && routable && authorization === undefined) assert.equal(answer.status, 401, answer.text);
          if (wellFormed && routable && authorization !== undefined && authorization !== right)
            assert.ok([401, 403].includes(answer.status), answer.text);
          assert.notEqual(answer.status, 200, 'no switch flipped');
        },
      ),
      runs(400),
    );
    await stillStanding();
  });

  it('probes, unknown routes and methods', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ServiceName>('order', 'payment', 'shipping'),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.oneof(
          fc.constantFrom('/healthz', '/readyz', '/scenarios', '/', '/checkout', '/payments', '/orders', '/shipments'),
          pathSegment.map((segment) => `/${segment}`),
        ),
        fc.option(limitQuery, { nil: undefined }),
        traceHeaders,
        async (service, method, path, query, headers) => {
          const answer = await answerOf(
            { service, method, path: `${path}${query ? `?${query}` : ''}`, headers },
            'probes and unknown routes',
          );
          if (method === 'GET' && (path === '/healthz' || path === '/readyz')) assert.equal(answer.status, 200, answer.text);
        },
      ),
      runs(400),
    );
    await stillStanding();
  });

  it('treats SQL injection as data: refused or stored, never run, and every table is still there', async () => {
    for (const injection of sqlInjections) {
      const body = { customerId: injection, items: [{ sku: 'SKU-00001', quantity: 1 }], payment: { method: 'card', token: 'tok_visa' } };
      const asCustomer = await answerOf(
        {
          service: 'order',
          method: 'POST',
          path: '/checkout',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        'SQL injection',
      );
      assert.ok(asCustomer.status >= 400 && asCustomer.status < 500, `customerId ${injection}: ${asCustomer.status}`);
      const asSku = await answerOf(
        {
          service: 'order',
          method: 'POST',
          path: '/checkout',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, customerId: 'cust-00001', items: [{ sku: injection, quantity: 1 }] }),
        },
        'SQL injection',
      );
      assert.ok(asSku.status >= 400 && asSku.status < 500, `sku ${injection}: ${asSku.status}`);
      await answerOf({ service: 'order', method: 'GET', path: `/orders/${encodeURIComponent(injection)}`, headers: {} }, 'SQL injection');
      await answerOf(
        { service: 'order', method: 'GET', path: `/customers?limit=${encodeURIComponent(injection)}`, headers: {} },
        'SQL injection',
      );
      await answerOf(
        { service: 'shipping', method: 'GET', path: `/shipments/${encodeURIComponent(injection)}`, headers: {} },
        'SQL injection',
      );
    }
    const drop = await answerOf(
      {
        service: 'order',
        method: 'POST',
        path: '/checkout',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: "'; DROP TABLE orders; --",
          items: [{ sku: 'SKU-00001', quantity: 1 }],
          payment: { method: 'card', token: 'tok_visa' },
        }),
      },
      'SQL injection',
    );
    assert.equal(drop.status, 422, drop.text);
    assert.equal((JSON.parse(drop.text) as { error?: string }).error, 'unknown_customer');
    const tables: Array<['order' | 'payment' | 'shipping', string[]]> = [
      ['order', ['customers', 'products', 'stock', 'orders', 'order_items', 'idempotency_keys', 'outbox']],
      ['payment', ['payments']],
      ['shipping', ['carriers', 'shipments', 'outbox']],
    ];
    for (const [database, names] of tables) {
      for (const name of names) {
        const rows = await sql<{ found: string | null }>(database, 'SELECT to_regclass($1)::text AS found', [`public.${name}`]);
        assert.equal(rows[0]!.found, name, `table ${database}.${name} still exists`);
      }
    }
    const customers = await sql<{ n: number }>('order', 'SELECT count(*)::int AS n FROM customers');
    assert.ok(customers[0]!.n >= 10_000, 'customers untouched');
    await stillStanding();
  });
});
