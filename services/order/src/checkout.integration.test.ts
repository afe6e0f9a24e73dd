/**
 * finishOrder against the real PostgreSQL: the order's final state, its stock, its outbox event and the
 * answer stored for its key, for each of payment's verdicts, and for an order someone finished already.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { createPool, migrate, withTransaction, type Pool, type PoolClient } from '@tracecart/postgres';
import { loadProductsBySkus, reserveStock } from './catalog-repo';
import { finishOrder, type PaymentVerdict } from './checkout';
import { attachOrder, claimKey, lookUp, requestHash } from './idempotency-keys-repo';
import { findOrder, insertOrder } from './orders-repo';
import { priceCart } from './pricing';

let pool: Pool;

before(async () => {
  const config = loadConfig();
  await migrate(config, 'order', path.join(__dirname, '..', 'migrations'), createLogger('order-test', 'silent'));
  pool = createPool(config, 'order', { max: 4 });
});
after(() => pool.end());

const skus = ['SKU-01901', 'SKU-01902'];

async function stockOf(db: Pool | PoolClient): Promise<number[]> {
  const { rows } = await db.query<{ quantity: number }>(
    'SELECT s.quantity FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = ANY($1) ORDER BY p.sku',
    [skus],
  );
  return rows.map((row) => row.quantity);
}

/** A PENDING order with its stock reserved and a key pointing at it, as the checkout's first step leaves it. */
async function pendingOrder(): Promise<{ id: string; total: number; key: string; hash: string }> {
  const key = `finish-test-${randomUUID()}`;
  const hash = requestHash({ key });
  const claim = await claimKey(pool, key, hash, 30);
  assert.equal(claim.kind, 'claimed');
  return withTransaction(pool, async (db) => {
    const cart = priceCart(
      skus.map((sku, index) => ({ sku, quantity: index + 1 })),
      await loadProductsBySkus(db, skus),
    );
    assert.deepEqual(await reserveStock(db, cart.lines), []);
    const id = randomUUID();
    assert.ok(await insertOrder(db, { id, customerId: 'cust-00001', cart, traceId: undefined }));
    await attachOrder(db, key, (claim as { token: string }).token, id);
    return { id, total: cart.total, key, hash };
  });
}

function verdict(overrides: Partial<PaymentVerdict>): PaymentVerdict {
  return { status: 'AUTHORIZED', reason: null, amount: 0, paymentId: randomUUID(), ...overrides };
}

async function outboxEvents(db: PoolClient, orderId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox WHERE routing_key = 'order.paid' AND payload->>'orderId' = $1",
    [orderId],
  );
  return rows[0]!.n;
}

describe('finishOrder (real PostgreSQL)', () => {
  it('an authorisation of the order total: PAID, order.paid in the outbox, 201 stored for the key, stock kept', async () => {
    const order = await pendingOrder();
    const before = await stockOf(pool);
    const result = verdict({ amount: order.total });
    const { finished, events } = await withTransaction(pool, async (db) => ({
      finished: await finishOrder(db, order.id, result, 'a'.repeat(32)),
      events: await outboxEvents(db, order.id),
    }));
    assert.equal(finished.published, true);
    assert.equal(finished.answer.status, 201);
    assert.equal(events, 1);
    const stored = await findOrder(pool, order.id);
    assert.equal(stored?.status, 'PAID');
    assert.equal(stored?.payment?.id, result.paymentId);
    assert.deepEqual(await stockOf(pool), before, 'a paid order keeps its stock');
    assert.deepEqual(await lookUp(pool, order.key, order.hash, 30), { kind: 'replay', answer: finished.answer });
  });

  it('an authorisation of another amount: PAYMENT_FAILED amount_mismatch, stock released, nothing published', async () => {
    const order = await pendingOrder();
    const before = await stockOf(pool);
    const { finished, events } = await withTransaction(pool, async (db) => ({
      finished: await finishOrder(db, order.id, verdict({ amount: order.total + 1 }), null),
      events: await outboxEvents(db, order.id),
    }));
    assert.equal(finished.published, false);
    assert.equal(finished.answer.status, 402);
    assert.equal(events, 0);
    assert.equal((await findOrder(pool, order.id))?.status, 'PAYMENT_FAILED');
    assert.match(String(finished.answer.body.message), /amount_mismatch/);
    assert.deepEqual(await stockOf(pool), [before[0]! + 1, before[1]! + 2], 'the reserved quantities (1 and 2) are back');
  });

  it("a decline: PAYMENT_FAILED with payment's reason, stock released, 402 stored for the key", async () => {
    const order = await pendingOrder();
    const before = await stockOf(pool);
    const finished = await withTransaction(pool, (db) =>
      finishOrder(db, order.id, verdict({ status: 'DECLINED', reason: 'card_declined', amount: order.total }), null),
    );
    assert.equal(finished.published, false);
    assert.equal(finished.answer.status, 402);
    assert.match(String(finished.answer.body.message), /card_declined/);
    assert.equal((await findOrder(pool, order.id))?.status, 'PAYMENT_FAILED');
    assert.deepEqual(await stockOf(pool), [before[0]! + 1, before[1]! + 2]);
    assert.deepEqual(await lookUp(pool, order.key, order.hash, 30), { kind: 'replay', answer: finished.answer });
  });

  it('an order finished already (by the recovery sweeper): answers what was decided, changes and publishes nothing', async () => {
    const order = await pendingOrder();
    const first = await withTransaction(pool, (db) =>
      finishOrder(db, order.id, verdict({ status: 'DECLINED', reason: 'checkout_interrupted', amount: order.total }), null),
    );
    const before = await stockOf(pool);
    const { late, events } = await withTransaction(pool, async (db) => ({
      late: await finishOrder(db, order.id, verdict({ amount: order.total }), null),
      events: await outboxEvents(db, order.id),
    }));
    assert.equal(late.published, false);
    assert.equal(events, 0);
    assert.deepEqual(late.answer, first.answer);
    assert.equal((await findOrder(pool, order.id))?.status, 'PAYMENT_FAILED');
    assert.deepEqual(await stockOf(pool), before, 'the stock is not released twice');
  });
});
