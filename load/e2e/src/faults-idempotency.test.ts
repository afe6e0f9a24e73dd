/**
 * Idempotency-Key under concurrency: 50 simultaneous POST /checkout with one key make exactly one
 * order and one payment (checked in both databases) and get identical answers; the key with another
 * body is refused (422).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { attemptCheckout, connect, keepScenarios, scenariosOff, sleep, sql, waitUntil, type Attempt } from './faults';
import { cart } from './stack';

describe('Idempotency-Key under 50 concurrent requests', { timeout: 120_000 }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreScenarios = await keepScenarios();
    await scenariosOff();
  });
  after(async () => {
    await restoreScenarios();
  });

  for (const token of ['tok_visa', 'tok_chargeDeclined']) {
    it(`makes one order and one payment, with identical answers (${token})`, async () => {
      const since = new Date(Date.now() - 1_000);
      const key = `fault-idem-${randomUUID()}`;
      const body = cart(3, token);
      const answers: Attempt[] = await Promise.all(
        Array.from({ length: 50 }, () => attemptCheckout(body, { 'idempotency-key': key }, 60_000)),
      );
      const expected = token === 'tok_visa' ? 201 : 402;
      for (const answer of answers) {
        assert.equal(answer.kind, 'answer', JSON.stringify(answer));
        if (answer.kind !== 'answer') continue;
        assert.equal(answer.status, expected, answer.text);
      }
      const bodies = answers.map((answer) => (answer.kind === 'answer' ? answer.body : {}));
      for (const other of bodies) assert.deepEqual(other, bodies[0], 'every answer carries the same body');
      const orderId = String(bodies[0]!.orderId);
      assert.match(orderId, /^[0-9a-f-]{36}$/);

      const keys = await sql<{ order_id: string }>('order', 'SELECT order_id::text FROM idempotency_keys WHERE key = $1', [key]);
      assert.deepEqual(
        keys.map((row) => row.order_id),
        [orderId],
      );
      const orders = await sql<{ id: string }>('order', 'SELECT id::text FROM orders WHERE customer_id = $1 AND created_at >= $2', [
        body.customerId,
        since,
      ]);
      assert.deepEqual(
        orders.map((row) => row.id),
        [orderId],
        'exactly one order for the customer',
      );
      const payments = await sql<{ status: string }>('payment', 'SELECT status FROM payments WHERE order_id = $1', [orderId]);
      assert.deepEqual(
        payments.map((row) => row.status),
        [token === 'tok_visa' ? 'AUTHORIZED' : 'DECLINED'],
        'exactly one payment',
      );
      const recent = await sql<{ n: number }>(
        'payment',
        'SELECT count(*)::int AS n FROM payments WHERE customer_id = $1 AND created_at >= $2',
        [body.customerId, since],
      );
      assert.equal(recent[0]!.n, 1, 'exactly one payment for the customer');

      const reused = await attemptCheckout({ ...body, items: [{ sku: body.items[0]!.sku, quantity: 1 }] }, { 'idempotency-key': key });
      assert.equal(reused.kind, 'answer');
      if (reused.kind === 'answer') {
        assert.equal(reused.status, 422, reused.text);
        assert.equal(reused.body.error, 'idempotency_key_reused');
      }
      // The same body again, later: the stored answer, nothing new.
      const replay = await attemptCheckout(body, { 'idempotency-key': key });
      assert.equal(replay.kind === 'answer' && replay.status, expected);
      assert.deepEqual(replay.kind === 'answer' && replay.body, bodies[0]);
    });
  }

  it('lets a waiting request take over a key whose first request failed before creating the order', async () => {
    // Request A claims the key and blocks on a stock row the test holds; request B, same key, waits
    // for A's answer. A's database session is then terminated: A fails (503) and frees the key. B must
    // then do the checkout itself, not leave the key claimed by nobody.
    const since = new Date(Date.now() - 1_000);
    const body = cart(1);
    const key = `fault-idem-takeover-${randomUUID()}`;
    const locker = await connect('order');
    let first: Promise<Attempt> | undefined;
    let second: Promise<Attempt> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = $1 FOR UPDATE OF s', [
        body.items[0]!.sku,
      ]);
      first = attemptCheckout(body, { 'idempotency-key': key }, 30_000);
      const blocked = await waitUntil(
        'request A to wait on the stock row',
        async () => {
          const rows = await sql<{ pid: number }>(
            'order',
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'order-service' AND wait_event_type = 'Lock' AND query LIKE 'UPDATE stock%'",
          );
          return rows.length === 1 ? rows[0]!.pid : undefined;
        },
        10_000,
        50,
      );
      second = attemptCheckout(body, { 'idempotency-key': key }, 30_000);
      await sleep(300);
      await sql('order', 'SELECT pg_terminate_backend($1)', [blocked]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const a = await first;
    const b = await second;
    assert.equal(a.kind === 'answer' && a.status, 503, `A: ${JSON.stringify(a)}`);
    assert.equal(b.kind === 'answer' && b.status, 201, `B: ${JSON.stringify(b)}`);
    const orders = await sql<{ id: string }>('order', 'SELECT id::text FROM orders WHERE customer_id = $1 AND created_at >= $2', [
      body.customerId,
      since,
    ]);
    assert.deepEqual(
      orders.map((row) => row.id),
      [b.kind === 'answer' ? String(b.body.orderId) : ''],
    );
    const replay = await attemptCheckout(body, { 'idempotency-key': key });
    assert.deepEqual(replay.kind === 'answer' && [replay.status, replay.body], [201, b.kind === 'answer' && b.body]);
  });
});
