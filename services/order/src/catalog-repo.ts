/**
 * Products, stock and customers. `loadCartProducts` has two shapes: the n-plus-one pathology's
 * per-line queries, and the set-based fix.
 */
import type { Queryable } from '@tracecart/postgres';
import type { Product } from './pricing';

interface ProductRow {
  id: number;
  sku: string;
  name: string;
  price: number;
  stock: number;
}

/** The fix: one round trip for the whole cart. */
export async function loadProductsBySkus(db: Queryable, skus: readonly string[]): Promise<Map<string, Product>> {
  const { rows } = await db.query<ProductRow>(
    `SELECT p.id, p.sku, p.name, p.price, s.quantity AS stock
       FROM products p JOIN stock s ON s.product_id = p.id
      WHERE p.sku = ANY($1::text[])`,
    [skus],
  );
  return new Map(rows.map((row) => [row.sku, row]));
}

/** The pathology: two queries per cart line, one after the other. */
export async function loadProductsOneByOne(db: Queryable, skus: readonly string[]): Promise<Map<string, Product>> {
  const products = new Map<string, Product>();
  for (const sku of skus) {
    const { rows } = await db.query<Omit<ProductRow, 'stock'>>('SELECT id, sku, name, price FROM products WHERE sku = $1', [sku]);
    const product = rows[0];
    if (!product) continue;
    const stock = await db.query<{ quantity: number }>('SELECT quantity FROM stock WHERE product_id = $1', [product.id]);
    products.set(sku, { ...product, stock: stock.rows[0]?.quantity ?? 0 });
  }
  return products;
}

/**
 * The stock rows of the lines, locked in product_id order whatever the cart's order: two carts with the
 * same products in opposite orders then queue on the first row instead of deadlocking. A sub-select
 * with FOR UPDATE is never flattened, and its rows are locked as its sorted output is read.
 */
const lockedLines = `(SELECT st.product_id, u.quantity
     FROM stock st JOIN unnest($1::int[], $2::int[]) AS u(product_id, quantity) ON u.product_id = st.product_id
    ORDER BY st.product_id FOR UPDATE OF st) AS l`;

/**
 * Takes stock for every line, or for none: the product_ids of the short lines (someone else took it);
 * empty when every line was reserved. The caller rolls back when any line is short.
 */
export async function reserveStock(db: Queryable, lines: ReadonlyArray<{ productId: number; quantity: number }>): Promise<number[]> {
  const result = await db.query<{ product_id: number }>(
    `UPDATE stock s SET quantity = s.quantity - l.quantity
       FROM ${lockedLines}
      WHERE s.product_id = l.product_id AND s.quantity >= l.quantity
      RETURNING s.product_id`,
    [lines.map((line) => line.productId), lines.map((line) => line.quantity)],
  );
  const reserved = new Set(result.rows.map((row) => row.product_id));
  return lines.filter((line) => !reserved.has(line.productId)).map((line) => line.productId);
}

export async function releaseStock(db: Queryable, lines: ReadonlyArray<{ productId: number; quantity: number }>): Promise<void> {
  await db.query(
    `UPDATE stock s SET quantity = s.quantity + l.quantity
       FROM ${lockedLines}
      WHERE s.product_id = l.product_id`,
    [lines.map((line) => line.productId), lines.map((line) => line.quantity)],
  );
}

export async function stockLeft(db: Queryable, productId: number): Promise<number> {
  const { rows } = await db.query<{ quantity: number }>('SELECT quantity FROM stock WHERE product_id = $1', [productId]);
  return rows[0]?.quantity ?? 0;
}

export async function listProducts(db: Queryable, limit: number): Promise<ProductRow[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT p.id, p.sku, p.name, p.price, s.quantity AS stock
       FROM products p JOIN stock s ON s.product_id = p.id
      ORDER BY p.id LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Ids and names only: `GET /customers` answers anyone, so e-mail addresses are not even read. */
export async function listCustomers(db: Queryable, limit: number): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM customers ORDER BY id LIMIT $1', [limit]);
  return rows;
}

export async function customerExists(db: Queryable, customerId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  return rowCount === 1;
}
