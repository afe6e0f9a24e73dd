/**
 * The generator against a local fake order service (node:http on 127.0.0.1, port 0) with a known delay,
 * which records what it received and what it answered: the figures the generator reports are checked
 * against the server's own record.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CatalogError } from './catalog';
import { startFakeOrderService, type CheckoutRecord, type FakeOrderService, type FakeOrderServiceOptions } from './fake-order-service';
import { runLoad } from './generator';
import { DEFAULT_OPTIONS, type LoadOptions } from './options';

const JAEGER = 'http://jaeger.test:16686';
const services: FakeOrderService[] = [];

async function serve(options: FakeOrderServiceOptions): Promise<FakeOrderService> {
  const service = await startFakeOrderService(options);
  services.push(service);
  return service;
}

after(async () => {
  await Promise.all(services.map((service) => service.close()));
});

function options(url: string, overrides: Partial<LoadOptions>): LoadOptions {
  return {
    ...DEFAULT_OPTIONS,
    url,
    ratePerSec: 100,
    durationSec: 1,
    shippedSample: 0,
    jaegerUiUrl: JAEGER,
    seed: 1234,
    ...overrides,
  };
}

const count = (records: CheckoutRecord[], predicate: (record: CheckoutRecord) => boolean): number => records.filter(predicate).length;

describe('load generator against a local server', () => {
  it('sends R·D checkouts on schedule, measures latency from the scheduled send, and sends valid carts', async () => {
    const DELAY = 20;
    const service = await serve({ delayMs: DELAY });
    const rate = 200;
    const duration = 2;
    const summary = await runLoad(options(service.url, { ratePerSec: rate, durationSec: duration, declineShare: 0.2, maxItems: 8 }));

    // Count: exactly the schedule, all received.
    assert.equal(summary.rate.scheduled, rate * duration);
    assert.equal(summary.rate.sent, rate * duration);
    assert.equal(summary.rate.dropped, 0);
    assert.equal(service.checkoutCount(), rate * duration);
    assert.equal(summary.rate.completed, summary.rate.sent);

    // Rate: never faster than the schedule (a burst would be), and of its order. Only that here: the unit
    // stage runs files side by side on a 2-core machine that may be busy, and a stalled process sends late.
    // How closely the generator keeps its schedule is a figure, measured on a quiet machine by
    // generator-bench.ts (within 1 %).
    assert.ok(
      summary.rate.achievedPerSec <= rate * 1.02 && summary.rate.achievedPerSec >= rate * 0.5,
      `achieved ${summary.rate.achievedPerSec}/s`,
    );

    // Latency: never below the server's delay, and not far above it on an idle loopback.
    const latency = summary.latencyMs!;
    const service_ = summary.serviceTimeMs!;
    assert.equal(latency.count, rate * duration);
    assert.ok(latency.min >= DELAY, `min ${latency.min}`);
    assert.ok(latency.p50 >= DELAY && latency.p50 < DELAY + 150, `p50 ${latency.p50}`);
    assert.ok(latency.p50 <= latency.p90 && latency.p90 <= latency.p99 && latency.p99 <= latency.max);
    assert.ok(latency.max < 3000, `max ${latency.max}`);
    assert.ok(service_.p50 >= DELAY && service_.p50 <= latency.p50, `service p50 ${service_.p50} vs latency p50 ${latency.p50}`);
    assert.ok(summary.sendLagMs!.min >= 0 && summary.sendLagMs!.p50 < 50, `send lag p50 ${summary.sendLagMs!.p50}`);

    // Outcomes equal what the server answered.
    assert.equal(
      summary.outcomes.created,
      count(service.checkouts, (r) => r.answered === 201),
    );
    assert.equal(
      summary.outcomes.declined,
      count(service.checkouts, (r) => r.answered === 402),
    );
    assert.ok(summary.outcomes.declined > 0 && summary.outcomes.created > 0);
    assert.equal(summary.outcomes.errors, 0);

    // Carts: the contract, the line limit, one unique Idempotency-Key each.
    for (const record of service.checkouts) {
      assert.deepEqual(record.problems, [], `checkout #${record.seq}: ${record.problems.join('; ')}`);
      assert.equal(record.contentType, 'application/json');
      const lines = (record.body as { items: unknown[] }).items.length;
      assert.ok(lines >= 1 && lines <= 8, `${lines} lines`);
    }
    const keys = new Set(service.checkouts.map((record) => record.idempotencyKey));
    assert.equal(keys.size, rate * duration);
    assert.ok(!keys.has(undefined));
    const declinedTokens = count(
      service.checkouts,
      (r) => (r.body as { payment: { token: string } }).payment.token === 'tok_chargeDeclined',
    );
    assert.equal(summary.outcomes.declined, declinedTokens);
  });

  it('is an open model: a slow server does not slow the sending down', async () => {
    // At 100/s with 300 ms answers a closed loop of one would manage ~3/s; the schedule must not care.
    const service = await serve({ delayMs: 300 });
    const summary = await runLoad(options(service.url, { ratePerSec: 100, durationSec: 1.5 }));
    assert.equal(summary.rate.sent, 150);
    // A closed loop of one would manage ~3/s; the schedule keeps its order of magnitude even on a busy machine.
    assert.ok(summary.rate.achievedPerSec > 50 && summary.rate.achievedPerSec <= 102, `achieved ${summary.rate.achievedPerSec}/s`);
    assert.ok(service.maxConcurrent() >= 25, `server held at most ${service.maxConcurrent()} at once`);
    assert.ok(summary.client.maxInFlight >= 25);
    assert.ok(summary.latencyMs!.p50 >= 300);
  });

  it('counts every outcome as the server answered it: 201, 402, other statuses, resets', async () => {
    const service = await serve({
      delayMs: 5,
      answer: (seq, body) => {
        if (seq % 10 === 3) return { status: 500 };
        if (seq % 25 === 7) return { status: 503 };
        if (seq % 20 === 11) return { reset: true };
        if (seq % 40 === 5) return { status: 201, extraDelayMs: 3000 };
        return { status: body.payment?.token === 'tok_chargeDeclined' ? 402 : 201 };
      },
    });
    // Held 3 s: longer than any stall of a busy machine, so they stay the slowest ones.
    const slowOnes = 8; // seq 5, 45, …, 285 among 300
    const summary = await runLoad(options(service.url, { ratePerSec: 150, durationSec: 2, declineShare: 0.15, slowest: slowOnes }));
    const records = service.checkouts;
    assert.equal(records.length, 300);
    assert.equal(
      summary.outcomes.created,
      count(records, (r) => r.answered === 201),
    );
    assert.equal(
      summary.outcomes.declined,
      count(records, (r) => r.answered === 402),
    );
    assert.deepEqual(summary.outcomes.byStatus, {
      '500': count(records, (r) => r.answered === 500),
      '503': count(records, (r) => r.answered === 503),
    });
    assert.deepEqual(summary.outcomes.networkErrors, { ECONNRESET: count(records, (r) => r.answered === 'reset') });
    assert.equal(summary.outcomes.timeouts, 0);
    assert.equal(
      summary.outcomes.errors,
      count(records, (r) => r.answered !== 201 && r.answered !== 402),
    );
    assert.ok(summary.outcomes.declined > 0);
    // Responses with a status are in the latency histogram; resets are not.
    assert.equal(
      summary.latencyMs!.count,
      count(records, (r) => r.answered !== 'reset'),
    );

    // The slowest traces are exactly the ones the server held back, linked to Jaeger.
    const held = records.filter((r) => r.seq % 40 === 5 && r.seq % 10 !== 3 && r.seq % 25 !== 7 && r.seq % 20 !== 11);
    assert.equal(held.length, slowOnes);
    assert.deepEqual(new Set(summary.slowest.map((t) => t.traceId)), new Set(held.map((r) => r.traceId)));
    for (const trace of summary.slowest) {
      assert.ok(trace.latencyMs >= 3005);
      assert.equal(trace.jaegerUrl, `${JAEGER}/trace/${trace.traceId}`);
      assert.equal(trace.status, 201);
      assert.equal(trace.orderId, records.find((r) => r.traceId === trace.traceId)!.orderId);
    }
  });

  it('counts timeouts apart and keeps them out of the latency percentiles', async () => {
    const service = await serve({ delayMs: 10, answer: (seq) => (seq % 10 === 0 ? { status: 201, extraDelayMs: 3000 } : { status: 201 }) });
    const summary = await runLoad(options(service.url, { ratePerSec: 50, durationSec: 1, timeoutMs: 800 }));
    assert.equal(summary.outcomes.timeouts, 5);
    assert.equal(summary.outcomes.created, 45);
    assert.equal(summary.outcomes.errors, 5);
    assert.equal(summary.latencyMs!.count, 45);
    assert.ok(summary.latencyMs!.max < 800);
  });

  it('drops requests due beyond the in-flight cap instead of delaying the schedule', async () => {
    const service = await serve({ delayMs: 400 });
    const summary = await runLoad(options(service.url, { ratePerSec: 100, durationSec: 1, concurrencyCap: 10 }));
    assert.equal(summary.rate.scheduled, 100);
    assert.ok(summary.rate.dropped > 0, 'some requests were dropped');
    assert.equal(summary.rate.sent + summary.rate.dropped, 100);
    assert.equal(summary.outcomes.dropped, summary.rate.dropped);
    assert.equal(service.checkoutCount(), summary.rate.sent);
    assert.ok(service.maxConcurrent() <= 10, `server held ${service.maxConcurrent()} at once`);
    assert.equal(summary.client.maxInFlight, 10);
    // The schedule was kept: sends stayed on time (waiting for a free slot would have made them hundreds of
    // ms late) and the last one went out within the planned second.
    assert.ok(summary.sendLagMs!.p99 < 100, `send lag p99 ${summary.sendLagMs!.p99}`);
    assert.ok(summary.rate.sendWindowSec <= 1.1, `send window ${summary.rate.sendWindowSec}s`);
  });

  it('measures checkout-to-shipped when the server ships orders after a known delay', async () => {
    const DELAY = 10;
    const SHIP_AFTER = 300;
    const service = await serve({ delayMs: DELAY, shipAfterMs: SHIP_AFTER, neverShip: (seq) => seq % 5 === 4 });
    const summary = await runLoad(
      options(service.url, {
        ratePerSec: 20,
        durationSec: 1,
        declineShare: 0,
        shippedSample: 1,
        shippedPollMs: 50,
        shippedTimeoutMs: 1200,
      }),
    );
    const records = service.checkouts;
    const shipping = count(records, (r) => r.seq % 5 !== 4);
    const { shipped } = summary;
    assert.equal(summary.outcomes.created, 20);
    assert.equal(shipped.sampled, 20);
    assert.equal(shipped.shipped, shipping);
    assert.equal(shipped.notShippedInTime, 20 - shipping);
    assert.equal(shipped.paymentFailed + shipped.skipped + shipped.abandoned + shipped.pollErrors, 0);
    // From the scheduled send: the checkout (≥ DELAY) then the shipping delay; the polling adds at most ~one interval.
    const latency = shipped.latencyMs!;
    assert.equal(latency.count, shipping);
    assert.ok(latency.min >= DELAY + SHIP_AFTER, `min ${latency.min}`);
    // Upper bound by logic, not by the machine's speed: a shipment seen after the poll timeout would have been
    // counted as not shipped in time instead (a busy 2-core machine can stretch each poll arbitrarily).
    assert.ok(latency.max < 1200 + DELAY + 1000, `max ${latency.max}`);
    // The service's own createdAt → shippedAt is DELAY + SHIP_AFTER in the fake (ms timestamps).
    assert.ok(Math.abs(shipped.serverLatencyMs!.p50 - (DELAY + SHIP_AFTER)) <= 1, `server p50 ${shipped.serverLatencyMs!.p50}`);
    // HTTP latency stays its own figure: one per created checkout, not the shipping delay added.
    assert.equal(summary.latencyMs!.count, 20);
    assert.ok(summary.latencyMs!.min < DELAY + SHIP_AFTER, `HTTP min ${summary.latencyMs!.min}`);
    // Orders that never ship were polled until the deadline.
    assert.ok(service.orderPolls() >= shipping + (20 - shipping) * Math.floor(1200 / 50) * 0.8);
  });

  it('samples only the requested share of created orders', async () => {
    const service = await serve({ delayMs: 2, shipAfterMs: 0 });
    const summary = await runLoad(
      options(service.url, { ratePerSec: 400, durationSec: 1, declineShare: 0, shippedSample: 0.25, shippedPollMs: 20 }),
    );
    const sd = Math.sqrt(400 * 0.25 * 0.75);
    assert.ok(Math.abs(summary.shipped.sampled - 100) < 5 * sd, `sampled ${summary.shipped.sampled}`);
    assert.equal(summary.shipped.shipped, summary.shipped.sampled);
  });

  it('stops early when aborted and says so', async () => {
    const service = await serve({ delayMs: 5, shipAfterMs: 60_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const summary = await runLoad(options(service.url, { ratePerSec: 100, durationSec: 10, shippedSample: 1, signal: controller.signal }));
    assert.ok(performance.now() - started < 2000);
    assert.equal(summary.interrupted, true);
    assert.ok(summary.rate.sent >= 20 && summary.rate.sent <= 40, `sent ${summary.rate.sent}`);
    assert.equal(summary.rate.completed, summary.rate.sent);
    assert.equal(summary.shipped.shipped, 0);
    assert.equal(summary.shipped.abandoned + summary.shipped.notShippedInTime, summary.shipped.sampled);
  });

  it('fails clearly when the order service is unreachable', async () => {
    const service = await serve({ delayMs: 1 });
    const url = service.url;
    await service.close();
    await assert.rejects(
      runLoad(options(url, {})),
      (error: unknown) => error instanceof CatalogError && /ECONNREFUSED/.test(error.message),
    );
  });

  it('rejects impossible options', () => {
    assert.throws(() => runLoad(options('http://127.0.0.1:1', { ratePerSec: 0 })), /rate/);
    assert.throws(() => runLoad(options('http://127.0.0.1:1', { maxItems: 51 })), /max-items/);
    assert.throws(() => runLoad(options('http://127.0.0.1:1', { declineShare: 1.5 })), /decline-share/);
    assert.throws(() => runLoad(options('http://127.0.0.1:1', { ratePerSec: 0.1, durationSec: 1 })), /at least one request/);
  });
});
