/**
 * The two pathologies of the checkout, each a switch between the slow way and its fix, kept out of the
 * flow in checkout.ts so it reads as the steps of a checkout.
 *   n-plus-one: the cart is loaded with one query per line instead of one set-based query.
 *   pool-starvation: the order's transaction, and so its pooled connection, stays open across the
 *   payment call instead of being committed before it; the checkouts then share a pool of
 *   STARVED_POOL_SIZE connections of their own (main.ts), the lab's model of a pool far too small.
 */
import { withRetriedTransaction, type Pool, type PoolClient } from '@tracecart/postgres';
import { inSpan } from '@tracecart/telemetry';
import { loadProductsBySkus, loadProductsOneByOne } from './catalog-repo';

export async function loadCart(db: PoolClient, skus: string[], nPlusOne: boolean) {
  return inSpan('checkout.load_cart', { 'app.order.lines': skus.length }, () =>
    nPlusOne ? loadProductsOneByOne(db, skus) : loadProductsBySkus(db, skus),
  );
}

/** Runs one database step of the checkout in a transaction. */
export type TransactionStep = <T>(work: (db: PoolClient) => Promise<T>) => Promise<T>;

/**
 * Runs the checkout's steps with the transactions pool-starvation asks for. OFF (the fix): each step
 * commits on its own connection, so no connection waits on payment. ON: one transaction spans every
 * step, the payment call included, and holds its connection all along. Either way a transaction that
 * fails on a deadlock or serialization failure runs again (the payment call in it is idempotent per order).
 */
export async function withCheckoutTransactions<T>(
  pool: Pool,
  poolStarvation: boolean,
  steps: (inTransaction: TransactionStep) => Promise<T>,
): Promise<T> {
  if (!poolStarvation) return steps((work) => withRetriedTransaction(pool, work));
  return withRetriedTransaction(pool, (db) => steps((work) => work(db)));
}
