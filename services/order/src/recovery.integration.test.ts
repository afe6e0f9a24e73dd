/**
 * The reconciliation's keep/void decision against the real PostgreSQL (the orders' state is read with
 * paymentsOfOrders): an authorisation is kept only when its order is committed PAID or SHIPPED with
 * that very payment; a PENDING order's is left for recovery. Payment's side is a recording stand-in
 * for its two endpoints (listing and reconciling), not the logic under test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import type { PaymentClient, UnreconciledPayment } from '@tracecart/payment/client';
import { createPool, migrate, withTransaction, type Pool } from '@tracecart/postgres';
import { checkoutDeadlines } from './checkout-deadlines';
import { insertOrder, markPaid, markPaymentFailed, markShipped, type OrderStatus } from './orders-repo';
import { reconcilePayments } from './recovery';

let pool: Pool;
const logger = createLogger('order-test', 'silent');

before(async () => {
  const config = loadConfig();
  await migrate(config, 'order', path.join(__dirname, '..', 'migrations'), logger);
  pool = createPool(config, 'order', { max: 4 });
});
after(() => pool.end());

/** An order in `status`, paid (if at all) with `paymentId`. */
async function order(status: OrderStatus, paymentId: string | null): Promise<string> {
  const id = randomUUID();
  await withTransaction(pool, async (db) => {
    const cart = { lines: [{ line: 1, productId: 1, sku: 'SKU-00001', quantity: 1, unitPrice: 10 }], total: 10 };
    assert.ok(await insertOrder(db, { id, customerId: 'cust-00001', cart: cart, traceId: undefined }));
    if (status === 'PAID' || status === 'SHIPPED') await markPaid(db, id, paymentId as string);
    if (status === 'SHIPPED')
      assert.equal(await markShipped(db, { orderId: id, shipmentId: randomUUID(), carrier: 'DHL', trackingNumber: 't-1' }), 'shipped');
    if (status === 'PAYMENT_FAILED') await markPaymentFailed(db, id, paymentId, 'card_declined');
  });
  return id;
}

describe('reconcilePayments: which authorisations are kept and which voided (real PostgreSQL)', () => {
  it('keeps those of committed PAID/SHIPPED orders with that payment, voids the rest, leaves PENDING ones', async () => {
    const ids = {
      paid: randomUUID(),
      shipped: randomUUID(),
      otherPayment: randomUUID(),
      failed: randomUUID(),
      noOrder: randomUUID(),
      pending: randomUUID(),
    };
    const listed: UnreconciledPayment[] = [
      { paymentId: ids.paid, orderId: await order('PAID', ids.paid), customerId: 'cust-00001', amount: 10 },
      { paymentId: ids.shipped, orderId: await order('SHIPPED', ids.shipped), customerId: 'cust-00001', amount: 10 },
      // The order is PAID, but with another authorisation: this one belongs to no paid order.
      { paymentId: ids.otherPayment, orderId: await order('PAID', randomUUID()), customerId: 'cust-00001', amount: 10 },
      { paymentId: ids.failed, orderId: await order('PAYMENT_FAILED', ids.failed), customerId: 'cust-00001', amount: 10 },
      { paymentId: ids.noOrder, orderId: randomUUID(), customerId: 'cust-00001', amount: 10 },
      { paymentId: ids.pending, orderId: await order('PENDING', null), customerId: 'cust-00001', amount: 10 },
    ];
    const calls: Array<{ keep: string[]; voids: string[]; quietSeconds: number }> = [];
    const payments = {
      unreconciled: async () => listed,
      reconcile: async (keep: string[], voids: string[], quietSeconds: number) => {
        calls.push({ keep, voids, quietSeconds });
        return { kept: keep.length, voided: voids.length };
      },
    } as unknown as PaymentClient;
    const deadlines = checkoutDeadlines({ paymentTimeoutMs: 5_000, paymentAttempts: 2, reconcileAfterSeconds: 60 });
    const outcome = await reconcilePayments({ pool, payments, logger, deadlines });
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.keep.sort(), [ids.paid, ids.shipped].sort());
    assert.deepEqual(calls[0]!.voids.sort(), [ids.otherPayment, ids.failed, ids.noOrder].sort());
    assert.equal(calls[0]!.quietSeconds, 60);
    assert.deepEqual(outcome, { kept: 2, voided: 3 });
  });

  it('asks nothing more when payment lists nothing', async () => {
    let reconciled = false;
    const payments = {
      unreconciled: async () => [],
      reconcile: async () => {
        reconciled = true;
        return { kept: 0, voided: 0 };
      },
    } as unknown as PaymentClient;
    const deadlines = checkoutDeadlines({ paymentTimeoutMs: 5_000, paymentAttempts: 2, reconcileAfterSeconds: 60 });
    assert.deepEqual(await reconcilePayments({ pool, payments, logger, deadlines }), { kept: 0, voided: 0 });
    assert.equal(reconciled, false);
  });
});
