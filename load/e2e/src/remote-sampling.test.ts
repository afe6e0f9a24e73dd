/**
 * Remote sampling (issue 14): order-service runs with OTEL_TRACES_SAMPLER=parentbased_jaeger_remote and
 * polls Jaeger's remote_sampling extension; a change of the strategies file, with no restart of anything,
 * turns sampling of one operation from 100 % to 0 % and back. Shown by span counts: the traces order
 * began (its /internal/telemetry root counts, by root span name) and the traces Jaeger stored.
 * Jaeger reads a copy of jaeger/sampling-strategies.json (JAEGER_SAMPLING_STRATEGIES) so the test never
 * edits the repository's file; Jaeger and order are restarted with their defaults afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, sleep, waitUntil } from './faults';
import { restartWith, telemetryCounts } from './sampling-stack';
import { cart, checkout, config, jaeger, paidTraceComplete } from './stack';

const POLL_MS = 2_000;
/** Jaeger re-reads the strategies file every 5 s (jaeger/config.yaml), order polls every POLL_MS. */
const CHANGE_DEADLINE_MS = 60_000;
const directory = mkdtempSync(path.join(os.tmpdir(), 'tracecart-strategies-'));
const strategiesFile = path.join(directory, 'sampling-strategies.json');

/** The repository's strategies with order-service's HTTP GETs (e.g. GET /products) at `rate`. */
function writeStrategies(rate: number): void {
  const strategies = JSON.parse(readFileSync(path.join(repoRoot, 'jaeger', 'sampling-strategies.json'), 'utf8')) as {
    service_strategies: Array<{ service: string; operation_strategies?: Array<{ operation: string; type: string; param: number }> }>;
  };
  const order = strategies.service_strategies.find((strategy) => strategy.service === 'order-service');
  assert.ok(order, 'jaeger/sampling-strategies.json has no order-service strategy');
  order.operation_strategies = [
    ...(order.operation_strategies ?? []).filter((operation) => operation.operation !== 'GET'),
    { operation: 'GET', type: 'probabilistic', param: rate },
  ];
  writeFileSync(strategiesFile, JSON.stringify(strategies, null, 2));
}

/** Sends `count` GET /products and returns how many of them order traced (its root span count grew by). */
async function tracedProductLists(count: number): Promise<number> {
  const before = (await telemetryCounts(config.ORDER_URL)).rootNames['GET /products'] ?? 0;
  for (let i = 0; i < count; i += 1) assert.equal((await fetch(`${config.ORDER_URL}/products`)).status, 200);
  await sleep(200);
  return ((await telemetryCounts(config.ORDER_URL)).rootNames['GET /products'] ?? 0) - before;
}

async function storedProductListTraces(since: Date): Promise<number> {
  await sleep(2_500); // order exports its batch every second
  const spans = await jaeger.search({ service: 'order-service', operation: 'GET /products', since, limit: 100 });
  return new Set(spans.map((span) => span.traceId)).size;
}

describe('remote sampling: a strategies change reaches a running service', () => {
  before(async () => {
    writeStrategies(1);
    await restartWith('jaeger', { JAEGER_SAMPLING_STRATEGIES: strategiesFile });
    await restartWith('order', {
      OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote',
      OTEL_TRACES_SAMPLER_ARG: `pollingIntervalMs=${POLL_MS}`,
    });
  });

  after(async () => {
    await restartWith('order', { OTEL_TRACES_SAMPLER: undefined, OTEL_TRACES_SAMPLER_ARG: undefined });
    await restartWith('jaeger', { JAEGER_SAMPLING_STRATEGIES: undefined });
    rmSync(directory, { recursive: true, force: true });
  });

  it('traces every GET /products at 100 %', async () => {
    const since = new Date();
    assert.equal(await tracedProductLists(20), 20);
    assert.equal(await storedProductListTraces(since), 20);
  });

  it('traces none once the file says 0 %, while checkouts stay traced', async () => {
    writeStrategies(0);
    const changedAt = Date.now();
    await waitUntil(
      'order to apply the 0 % strategy',
      async () => ((await tracedProductLists(5)) === 0 ? true : undefined),
      CHANGE_DEADLINE_MS,
      500,
    );
    const tookMs = Date.now() - changedAt;
    const since = new Date();
    assert.equal(await tracedProductLists(20), 0);
    assert.equal(await storedProductListTraces(since), 0);
    const paid = await checkout(cart(1));
    assert.equal(paid.status, 201);
    assert.ok(paidTraceComplete(await jaeger.waitForTrace(paid.body.traceId, paidTraceComplete)), 'a checkout (POST) was not traced');
    console.log(`# 0 % applied ${tookMs} ms after the file changed (Jaeger re-reads every 5 s, order polls every ${POLL_MS} ms)`);
  });

  it('traces every one again once the file says 100 %', async () => {
    writeStrategies(1);
    await waitUntil(
      'order to apply the 100 % strategy',
      async () => ((await tracedProductLists(5)) === 5 ? true : undefined),
      CHANGE_DEADLINE_MS,
      500,
    );
    const since = new Date();
    assert.equal(await tracedProductLists(20), 20);
    assert.equal(await storedProductListTraces(since), 20);
  });
});
