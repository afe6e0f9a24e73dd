/**
 * Out of stock (issue 13, low): the 409 names the line that was short, not the cart's first, takes no
 * stock from the other lines, and frees the Idempotency-Key, so a retry after a restock succeeds instead
 * of replaying the 409 for ever. Real stack, real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from './faults';
import { cart, checkout } from './stack';

async function stockOf(sku: string): Promise<{ productId: number; quantity: number }> {
  const rows = await sql<{ product_id: number; quantity: number }>(
    'order',
    'SELECT s.product_id, s.quantity FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = $1',
    [sku],
  );
  assert.equal(rows.length, 1, `one stock row for ${sku}`);
  return { productId: rows[0]!.product_id, quantity: rows[0]!.quantity };
}

describe('a checkout with one line out of stock', { timeout: 120_000 }, () => {
  it('answers 409 naming the short line, takes nothing, and frees the key for a retry after a restock', async () => {
    const body = cart(3);
    const [first, short] = [body.items[0]!, body.items[1]!];
    const shortBefore = await stockOf(short.sku);
    const firstBefore = await stockOf(first.sku);
    const key = `out-of-stock-${randomUUID()}`;
    await sql('order', 'UPDATE stock SET quantity = 0 WHERE product_id = $1', [shortBefore.productId]);
    try {
      const refused = await checkout(body, { 'idempotency-key': key });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      const answer = refused.body as unknown as { error: string; sku: string; available: number };
      assert.equal(answer.error, 'out_of_stock');
      assert.equal(answer.sku, short.sku, 'the line that was short, not the first line');
      assert.notEqual(answer.sku, first.sku);
      assert.equal(answer.available, 0);
      assert.equal((await stockOf(first.sku)).quantity, firstBefore.quantity, 'the other lines keep their stock');

      await sql('order', 'UPDATE stock SET quantity = $2 WHERE product_id = $1', [shortBefore.productId, shortBefore.quantity]);
      const retried = await checkout(body, { 'idempotency-key': key });
      assert.ok(
        retried.status === 201 || retried.status === 402,
        `the retry after a restock is a new attempt: ${retried.status} ${JSON.stringify(retried.body)}`,
      );
      assert.ok(retried.body.orderId, 'the retry placed an order');
    } finally {
      await sql('order', 'UPDATE stock SET quantity = GREATEST(quantity, $2) WHERE product_id = $1', [
        shortBefore.productId,
        shortBefore.quantity,
      ]);
    }
  });
});
