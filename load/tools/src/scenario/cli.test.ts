/** The scenario CLI against three small fake services that speak the scenario routes' protocol. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { pathologies, pathologyNames, type OwningService } from '@tracecart/lab-catalogue';
import { runScenarioCli, type ScenarioCliIo } from './cli';

const TOKEN = 'test-token-123';

interface FakeService {
  server: Server;
  url: string;
  enabled: Map<string, boolean>;
  requests: Array<{ method: string; path: string; authorization: string | undefined; body: string }>;
  /** When set, PUT answers this status. */
  refuse?: number;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}

async function startFake(service: OwningService): Promise<FakeService> {
  const names = pathologies.filter((entry) => entry.service === service).map((entry) => entry.name);
  const fake = { enabled: new Map(names.map((name) => [name, true])), requests: [] } as unknown as FakeService;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    fake.requests.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, body });
    response.setHeader('content-type', 'application/json');
    if (request.method === 'GET' && request.url === '/scenarios') {
      response.end(JSON.stringify(names.map((name) => ({ name, service, enabled: fake.enabled.get(name) }))));
      return;
    }
    const name = /^\/scenarios\/([a-z-]+)$/.exec(request.url ?? '')?.[1];
    if (request.method === 'PUT' && name && fake.enabled.has(name)) {
      if (fake.refuse) {
        response.statusCode = fake.refuse;
        response.end(
          JSON.stringify({
            error: fake.refuse === 401 ? 'unauthorized' : 'forbidden',
            message: fake.refuse === 401 ? 'token missing' : 'wrong scenario token',
          }),
        );
        return;
      }
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        response.statusCode = 403;
        response.end(JSON.stringify({ error: 'forbidden', message: 'wrong scenario token' }));
        return;
      }
      fake.enabled.set(name, (JSON.parse(body) as { enabled: boolean }).enabled);
      response.end(JSON.stringify({ name, enabled: fake.enabled.get(name) }));
      return;
    }
    response.statusCode = 404;
    response.end('{}');
  };
  fake.server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

describe('scenario CLI', () => {
  const fakes = {} as Record<OwningService, FakeService>;
  let output = '';
  let errors = '';

  const run = (argv: string[], env: Record<string, string> = {}) => {
    const io: ScenarioCliIo = {
      print: (text) => (output += text),
      config: () =>
        loadConfig({
          ORDER_URL: fakes.order.url,
          PAYMENT_URL: fakes.payment.url,
          SHIPPING_URL: fakes.shipping.url,
          SCENARIO_TOKEN: TOKEN,
          ...env,
        }),
    };
    return runScenarioCli(argv, io, (text) => (errors += text));
  };
  const puts = () => Object.values(fakes).flatMap((fake) => fake.requests.filter((request) => request.method === 'PUT'));

  before(async () => {
    for (const service of ['order', 'payment', 'shipping'] as const) fakes[service] = await startFake(service);
  });
  after(async () => {
    for (const fake of Object.values(fakes)) await new Promise((resolve) => fake.server.close(resolve));
  });
  beforeEach(() => {
    output = '';
    errors = '';
    for (const fake of Object.values(fakes)) {
      fake.requests.length = 0;
      fake.refuse = undefined;
      for (const name of fake.enabled.keys()) fake.enabled.set(name, true);
    }
  });

  it('list: every pathology of the catalogue, with service, state, title and fix command', async () => {
    fakes.order.enabled.set('n-plus-one', false);
    assert.equal(await run(['list']), 0);
    const rows = output.trim().split('\n').slice(1);
    assert.equal(rows.length, pathologyNames.length);
    assert.equal(rows.length, 5);
    assert.match(
      rows.find((row) => row.startsWith('n-plus-one'))!,
      /^n-plus-one\s+order\s+off\s+Cart loaded one query per line item\s+pnpm scenario off n-plus-one$/,
    );
    assert.match(
      rows.find((row) => row.startsWith('missing-index'))!,
      /^missing-index\s+payment\s+ON\s+/,
    );
    assert.deepEqual(puts(), []);
  });

  it('off <name>: switches it on its owning service with the token, then shows the new state', async () => {
    assert.equal(await run(['off', 'lock-contention']), 0);
    assert.deepEqual(
      puts().map((request) => [request.path, request.authorization, request.body]),
      [['/scenarios/lock-contention', `Bearer ${TOKEN}`, '{"enabled":false}']],
    );
    assert.equal(fakes.shipping.requests[0]?.method, 'PUT', 'the shipping service got it');
    assert.match(output, /lock-contention\s+shipping\s+off/);
  });

  it('all-off then all-on: every switch, each on its own service', async () => {
    assert.equal(await run(['all-off']), 0);
    assert.equal(puts().length, pathologyNames.length);
    for (const fake of Object.values(fakes)) for (const enabled of fake.enabled.values()) assert.equal(enabled, false);
    assert.equal(await run(['all-on']), 0);
    for (const fake of Object.values(fakes)) for (const enabled of fake.enabled.values()) assert.equal(enabled, true);
  });

  it('an unknown name: exit 2, the known names listed, nothing switched', async () => {
    assert.equal(await run(['on', 'slow-disk']), 2);
    assert.match(errors, /unknown scenario "slow-disk"; the scenarios are: missing-index, n-plus-one, lock-contention, pool-starvation/);
    assert.deepEqual(puts(), []);
  });

  it('a wrong token (403): exit 1, and the message says to set SCENARIO_TOKEN', async () => {
    assert.equal(await run(['on', 'n-plus-one'], { SCENARIO_TOKEN: 'not-the-token' }), 1);
    assert.match(errors, /order-service refused to switch n-plus-one \(403: wrong scenario token\); set SCENARIO_TOKEN/);
    assert.equal(fakes.order.enabled.get('n-plus-one'), true);
  });

  it('a 401 is reported the same way', async () => {
    fakes.payment.refuse = 401;
    assert.equal(await run(['off', 'missing-index']), 1);
    assert.match(errors, /payment-service refused to switch missing-index \(401: token missing\); set SCENARIO_TOKEN/);
  });

  it('an unreachable service: exit 1, the others still listed', async () => {
    const code = await run(['list'], { SHIPPING_URL: 'http://127.0.0.1:9' });
    assert.equal(code, 1);
    assert.match(output, /lock-contention\s+shipping\s+unknown/);
    assert.match(output, /missing-index\s+payment\s+ON/);
    assert.match(output, /cannot reach shipping-service at http:\/\/127\.0\.0\.1:9/);
  });

  it('no command: usage, exit 2', async () => {
    assert.equal(await run([]), 2);
  });
});
