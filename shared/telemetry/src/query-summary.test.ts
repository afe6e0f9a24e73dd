/** The query summariser on Tracecart's own statements and the shapes around them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeQuery } from './query-summary';

function summary(sql: string): string {
  return summarizeQuery(sql).summary;
}

describe('summarizeQuery', () => {
  it('names a plain statement by its operation and table', () => {
    assert.deepEqual(summarizeQuery('SELECT id, order_id FROM payments WHERE order_id = $1'), {
      summary: 'SELECT payments',
      operation: 'SELECT',
      table: 'payments',
      collection: 'payments',
    });
    assert.equal(summary("UPDATE orders SET status = 'PAID', payment_id = $2 WHERE id = $1 AND status = 'PENDING'"), 'UPDATE orders');
    assert.equal(summary('DELETE FROM outbox WHERE id = ANY($1::bigint[])'), 'DELETE outbox');
    assert.equal(summary('insert into outbox (routing_key, payload) values ($1, $2)'), 'INSERT outbox');
  });

  it('says which rows a SELECT locks', () => {
    assert.equal(summary('SELECT capacity, reserved FROM carriers WHERE id = $1 FOR UPDATE'), 'SELECT carriers FOR UPDATE');
    assert.equal(summary('SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED'), 'SELECT outbox FOR UPDATE');
    assert.equal(
      summary('SELECT 1 FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = $1 FOR NO KEY UPDATE OF s'),
      'SELECT stock FOR NO KEY UPDATE',
    );
    assert.equal(summary('SELECT * FROM orders WHERE id = $1 FOR KEY SHARE NOWAIT'), 'SELECT orders FOR KEY SHARE');
    // A lock inside a subquery is not the outer statement's.
    assert.equal(summary('SELECT count(*) FROM (SELECT id FROM orders FOR UPDATE) locked'), 'SELECT orders');
  });

  it('INSERT ... ON CONFLICT and UPDATE ... RETURNING keep their target', () => {
    const upsert = summarizeQuery(
      `INSERT INTO payments (order_id, customer_id, amount) VALUES ($1, $2, $3)
       ON CONFLICT (order_id) DO NOTHING RETURNING id, order_id`,
    );
    assert.equal(upsert.summary, 'INSERT payments');
    assert.equal(upsert.collection, 'payments');
    assert.equal(
      summary('INSERT INTO idempotency_keys (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET claimed_at = now()'),
      'INSERT idempotency_keys',
    );
    const reserve = summarizeQuery('UPDATE carriers SET reserved = reserved + 1 WHERE id = $1 AND reserved < capacity RETURNING reserved');
    assert.equal(reserve.summary, 'UPDATE carriers');
    assert.equal(reserve.collection, 'carriers');
  });

  it('names the main table of a join, and sets no single collection for it', () => {
    const join = summarizeQuery(
      `SELECT s.id, s.order_id, c.code FROM shipments s JOIN carriers c ON c.id = s.carrier_id WHERE s.order_id = $1`,
    );
    assert.equal(join.summary, 'SELECT shipments');
    assert.equal(join.table, 'shipments');
    assert.equal(join.collection, undefined);
    assert.equal(summary('SELECT p.sku FROM products p LEFT OUTER JOIN stock s ON s.product_id = p.id'), 'SELECT products');
    assert.equal(summarizeQuery('SELECT a.x FROM orders a, order_items b WHERE b.order_id = a.id').collection, undefined);
  });

  it('a function in FROM is no table: UPDATE ... FROM unnest(...) and INSERT ... SELECT', () => {
    const reserve = summarizeQuery(
      `UPDATE stock s SET quantity = s.quantity - l.quantity
         FROM unnest($1::int[], $2::int[]) AS l(product_id, quantity)
        WHERE s.product_id = l.product_id AND s.quantity >= l.quantity`,
    );
    assert.equal(reserve.summary, 'UPDATE stock');
    assert.equal(reserve.collection, 'stock');
    assert.equal(
      summary(
        `INSERT INTO order_items (order_id, line, sku) SELECT $1, l.line, l.sku FROM unnest($2::smallint[], $3::text[]) AS l(line, sku)`,
      ),
      'INSERT order_items',
    );
    assert.equal(summary('SELECT 1'), 'SELECT');
  });

  it('a CTE: the main statement names it; a statement on the CTE names the table inside', () => {
    const recent = summarizeQuery(
      `WITH recent AS MATERIALIZED (SELECT customer_id FROM payments WHERE created_at > now() - interval '30 days')
       UPDATE customers c SET flagged = true FROM recent r WHERE r.customer_id = c.id`,
    );
    assert.equal(recent.summary, 'UPDATE customers');
    assert.equal(recent.operation, 'UPDATE');
    assert.equal(recent.collection, undefined);
    const moved = summarizeQuery('WITH RECURSIVE moved (id) AS (DELETE FROM outbox WHERE id < $1 RETURNING id) SELECT count(*) FROM moved');
    assert.equal(moved.summary, 'SELECT outbox');
    assert.equal(moved.operation, 'SELECT');
    assert.equal(summary('WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM orders, a, b'), 'SELECT orders');
  });

  it('transaction control and other commands are the operation alone', () => {
    assert.equal(summary('BEGIN'), 'BEGIN');
    assert.equal(summary('commit;'), 'COMMIT');
    assert.equal(summary('EXPLAIN (FORMAT JSON) SELECT * FROM payments'), 'EXPLAIN');
    assert.equal(summary(''), 'QUERY');
  });

  it('never carries a value: literals, comments, parameters and quoted tables', () => {
    const sneaky = summarizeQuery(
      `/* customer alice@example.com */ SELECT 'FROM secrets' AS x, $$FROM hidden$$ FROM "Order Items" -- FROM cards
       WHERE note = 'it''s FROM 4242' AND id = 42`,
    );
    assert.equal(sneaky.summary, 'SELECT Order Items');
    for (const value of ['alice', 'secrets', 'hidden', 'cards', '4242', '42']) assert.ok(!sneaky.summary.includes(value), value);
    assert.equal(summary('SELECT * FROM public.orders WHERE id = $1'), 'SELECT public.orders');
    assert.equal(summary('UPDATE ONLY stock SET quantity = 0'), 'UPDATE stock');
  });

  it('keeps a summary short', () => {
    assert.ok(summary(`SELECT * FROM ${'t'.repeat(400)}`).length <= 255);
  });
});
