/**
 * Idempotency-Key under concurrency: 50 simultaneous POST /checkout with one key make exactly one
 * order and one payment (checked in both databases) and get identical answers; the key with another
 * body is refused (422).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { attemptCheckout, keepScenarios, scenariosOff, sql, type Attempt } from './faults';
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
      assert.deepEqual(keys.map((row) => row.order_id), [orderId]);
      const orders = await sql<{ id: string }>(
        'order',
        'SELECT id::text FROM orders WHERE customer_id = $1 AND created_at >= $2',
        [body.customerId, since],
      );
      assert.deepEqual(orders.map((row) => row.id), [orderId], 'exactly one order for the customer');
      const payments = await sql<{ status: string }>('payment', 'SELECT status FROM payments WHERE order_id = $1', [orderId]);
      assert.deepEqual(payments.map((row) => row.status), [token === 'tok_visa' ? 'AUTHORIZED' : 'DECLINED'], 'exactly one payment');
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
});
