/**
 * PostgreSQL outage: the database is stopped while checkouts are in flight. Every service reports not
 * ready, every endpoint that needs the database answers 503 with a JSON body within a second (a
 * hanging request is a failure), no process crashes, and once PostgreSQL is back the same processes
 * serve checkouts again without a restart; the checkouts caught by the outage end consistent (clients
 * retry with their Idempotency-Key; orders left PENDING are finished by the recovery sweeper).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  attemptCheckout,
  checkoutUntilFinal,
  ensureStackUp,
  keepScenarios,
  pidOf,
  readyz,
  scenariosOff,
  sleep,
  someBody,
  stack,
  startLoad,
  reservationDrift,
  verifyDrill,
  waitUntil,
  type Load,
} from './faults';
import { cart, config, serviceNames, serviceUrl, waitForOrderStatus, type ServiceName } from './stack';

async function timed(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; ms: number; body: Record<string, unknown> | undefined }> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, ms, body };
}

describe('PostgreSQL outage', { timeout: 180_000 }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  const pids = new Map<ServiceName, number | undefined>();
  const checkoutTimes: number[] = [];
  let since = new Date();
  let driftBefore = 0;
  let load: Load | undefined;

  before(async () => {
    restoreScenarios = await keepScenarios();
    await scenariosOff();
    for (const service of serviceNames) pids.set(service, pidOf(service));
    const warm = await attemptCheckout(cart(2));
    assert.equal(warm.kind === 'answer' && warm.status, 201, 'a checkout works before the outage');
    // Settled before the drill's window opens, so its shipment does not count as the drill's.
    if (warm.kind === 'answer') assert.equal((await waitForOrderStatus(String(warm.body.orderId), 'SHIPPED', 20_000)).status, 'SHIPPED');
    // Checkouts in flight when the database goes away.
    since = new Date();
    driftBefore = await reservationDrift();
    load = startLoad(4, someBody, { retryForMs: 120_000, pauseMs: 50 });
    await sleep(1_500);
    await stack('stop', 'postgres');
  });

  after(async () => {
    try {
      await stack('start', 'postgres');
      await load?.stop();
      await ensureStackUp();
      await waitUntil(
        'every service ready after the outage',
        async () => {
          for (const service of serviceNames) if ((await readyz(service).catch(() => undefined))?.status !== 200) return false;
          return true;
        },
        60_000,
      );
    } finally {
      await restoreScenarios();
    }
    const sorted = [...checkoutTimes].sort((a, b) => a - b);
    if (sorted.length > 0) {
      console.log(
        `[reliability] postgres outage: ${sorted.length} checkouts answered 503, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`,
      );
    }
  });

  it('turns /readyz of every service to 503 (ready: false), promptly', async () => {
    for (const service of serviceNames) {
      const answer = await waitUntil(
        `${service} /readyz to say not ready`,
        async () => {
          const probe = await timed(`${serviceUrl[service]}/readyz`);
          return probe.status === 503 ? probe : undefined;
        },
        10_000,
      );
      assert.equal(answer.body?.ready, false);
      assert.equal((answer.body?.checks as Record<string, boolean>).postgres, false);
      assert.ok(answer.ms < 1_500, `${service} /readyz took ${answer.ms.toFixed(0)} ms`);
    }
  });

  it('answers POST /checkout with 503 within one second, every time', async () => {
    const one = async () => {
      const started = performance.now();
      const answer = await attemptCheckout(cart(2), { 'idempotency-key': `pg-outage-${randomUUID()}` }, 10_000);
      const ms = performance.now() - started;
      checkoutTimes.push(ms);
      assert.equal(answer.kind, 'answer', `no answer: ${JSON.stringify(answer)}`);
      if (answer.kind !== 'answer') return;
      assert.equal(answer.status, 503, answer.text);
      assert.equal(answer.body.error, 'database_unavailable');
      assert.ok(ms < 1_000, `checkout took ${ms.toFixed(0)} ms to answer 503`);
    };
    for (let index = 0; index < 5; index += 1) await one();
    await Promise.all(Array.from({ length: 20 }, one));
  });

  it('answers every other database-backed endpoint with a JSON 503 within one second', async () => {
    const orderId = randomUUID();
    const calls: Array<[string, RequestInit?]> = [
      [`${config.ORDER_URL}/orders/${orderId}`],
      [`${config.ORDER_URL}/products?limit=5`],
      [`${config.ORDER_URL}/customers?limit=5`],
      [`${config.PAYMENT_URL}/payments/orders/${orderId}`, { headers: { 'x-tracecart-internal-token': config.INTERNAL_TOKEN } }],
      [
        `${config.PAYMENT_URL}/payments`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tracecart-internal-token': config.INTERNAL_TOKEN },
          body: JSON.stringify({ orderId, customerId: 'cust-00001', amount: 10, method: 'card', token: 'tok_visa' }),
        },
      ],
      [`${config.SHIPPING_URL}/shipments/${orderId}`],
    ];
    for (const [url, init] of calls) {
      const answer = await timed(url, init);
      assert.equal(answer.status, 503, `${init?.method ?? 'GET'} ${url} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.equal(typeof answer.body?.error, 'string', `${url}: JSON error body`);
      assert.ok(answer.ms < 1_000, `${url} took ${answer.ms.toFixed(0)} ms`);
    }
  });

  it('recovers by itself once PostgreSQL is back: same processes, checkouts succeed again', async () => {
    await stack('start', 'postgres');
    const back = Date.now();
    for (const service of serviceNames) {
      await waitUntil(`${service} ready again`, async () => (await readyz(service).catch(() => undefined))?.status === 200, 30_000);
      assert.equal(pidOf(service), pids.get(service), `${service} was not restarted`);
    }
    // A new client (its checkout counted in the drill's verdict below) is served again.
    const key = `pg-recovered-${randomUUID()}`;
    const body = cart(2);
    const startedAt = Date.now();
    const { attempts, final } = await checkoutUntilFinal(body, key, startedAt + 20_000);
    load!.outcomes.push({ key, body, startedAt, endedAt: Date.now(), attempts, final });
    assert.equal(final?.kind === 'answer' && final.status, 201, JSON.stringify(attempts.at(-1)));
    console.log(
      `[reliability] postgres back: services ready and a new checkout answered 201 ${Date.now() - back} ms after PostgreSQL was up again`,
    );
  });

  it('leaves the checkouts caught by the outage consistent: none lost, none duplicated, no process crashed', async () => {
    const outcomes = await load!.stop();
    const drill = outcomes.filter((outcome) => outcome.startedAt >= since.getTime());
    const { figures, problems } = await verifyDrill(drill, since, 90_000);
    console.log(`[reliability] postgres outage under load: ${JSON.stringify(figures)}`);
    assert.deepEqual(problems, []);
    assert.equal(figures.lost, 0);
    assert.equal(figures.duplicates, 0);
    for (const service of serviceNames) assert.equal(pidOf(service), pids.get(service), `${service} did not crash or restart`);
    assert.equal(await reservationDrift(), driftBefore, 'one carrier slot reserved per shipment, none leaked');
  });
});
