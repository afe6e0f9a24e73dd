/** Orders and their lines: creation, status changes, and the read model of `GET /orders/:id`. */
import type { Queryable } from '@tracecart/postgres';
import type { PricedCart, PricedLine } from './pricing';

export type OrderStatus = 'PENDING' | 'PAID' | 'PAYMENT_FAILED' | 'SHIPPED';

export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  total: number;
  currency: string;
  items: Array<{ line: number; sku: string; quantity: number; unitPrice: number }>;
  payment: { id: string | null; status: string | null; declineReason: string | null } | null;
  shipment: { id: string; carrier: string | null; trackingNumber: string | null; shippedAt: string | null } | null;
  traceId: string | null;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
  shippedAt: string | null;
}

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total: number;
  currency: string;
  payment_id: string | null;
  payment_status: string | null;
  decline_reason: string | null;
  shipment_id: string | null;
  carrier: string | null;
  tracking_number: string | null;
  trace_id: string | null;
  created_at: Date;
  updated_at: Date;
  paid_at: Date | null;
  shipped_at: Date | null;
}

/** Writes the order PENDING with its lines; false (nothing written) when an order with this id exists. */
export async function insertOrder(
  db: Queryable,
  order: { id: string; customerId: string; cart: PricedCart; traceId: string | undefined },
): Promise<boolean> {
  const inserted = await db.query(
    'INSERT INTO orders (id, customer_id, status, total, trace_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
    [order.id, order.customerId, 'PENDING', order.cart.total, order.traceId ?? null],
  );
  if (inserted.rowCount !== 1) return false;
  const id = order.id;
  const { lines } = order.cart;
  await db.query(
    `INSERT INTO order_items (order_id, line, product_id, sku, quantity, unit_price)
     SELECT $1, l.line, l.product_id, l.sku, l.quantity, l.unit_price
       FROM unnest($2::smallint[], $3::int[], $4::text[], $5::int[], $6::numeric[])
         AS l(line, product_id, sku, quantity, unit_price)`,
    [
      id,
      lines.map((line) => line.line),
      lines.map((line) => line.productId),
      lines.map((line) => line.sku),
      lines.map((line) => line.quantity),
      lines.map((line) => line.unitPrice),
    ],
  );
  return true;
}

/** Marks the moment a PENDING order is left for recovery: its staleness counts from here (its commit). */
export async function touchPending(db: Queryable, orderId: string): Promise<void> {
  await db.query("UPDATE orders SET updated_at = clock_timestamp() WHERE id = $1 AND status = 'PENDING'", [orderId]);
}

export interface PendingOrder {
  id: string;
  customerId: string;
  total: number;
  lines: Array<Pick<PricedLine, 'productId' | 'quantity'>>;
}

/**
 * Locks a PENDING order for finishing, and reads its lines in the same round trip; undefined when it is
 * no longer pending (a concurrent finisher's change is re-checked after the lock wait).
 */
export async function lockPendingOrder(db: Queryable, orderId: string): Promise<PendingOrder | undefined> {
  const { rows } = await db.query<{ id: string; customer_id: string; total: number; product_id: number | null; quantity: number | null }>(
    `SELECT o.id, o.customer_id, o.total, i.product_id, i.quantity
       FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
      WHERE o.id = $1 AND o.status = 'PENDING'
      ORDER BY i.line
        FOR UPDATE OF o`,
    [orderId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    customerId: row.customer_id,
    total: row.total,
    lines: rows.flatMap((item) =>
      item.product_id === null || item.quantity === null ? [] : [{ productId: item.product_id, quantity: item.quantity }],
    ),
  };
}

export async function markPaid(db: Queryable, orderId: string, paymentId: string): Promise<void> {
  await db.query(
    `UPDATE orders SET status = 'PAID', payment_id = $2, payment_status = 'AUTHORIZED', paid_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'PENDING'`,
    [orderId, paymentId],
  );
}

export async function markPaymentFailed(db: Queryable, orderId: string, paymentId: string | null, reason: string): Promise<void> {
  await db.query(
    `UPDATE orders SET status = 'PAYMENT_FAILED', payment_id = $2, payment_status = 'DECLINED', decline_reason = $3, updated_at = now()
      WHERE id = $1 AND status = 'PENDING'`,
    [orderId, paymentId, reason],
  );
}

/** Status, payment and total of the given orders (absent ids are not in the map): the reconciliation's view. */
export async function paymentsOfOrders(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, { status: OrderStatus; paymentId: string | null; total: number }>> {
  const { rows } = await db.query<{ id: string; status: OrderStatus; payment_id: string | null; total: number }>(
    'SELECT id, status, payment_id, total FROM orders WHERE id = ANY($1::uuid[])',
    [orderIds],
  );
  return new Map(rows.map((row) => [row.id, { status: row.status, paymentId: row.payment_id, total: row.total }]));
}

/** Applies a shipment once: a redelivered shipment.created finds the order SHIPPED and changes nothing. */
export async function markShipped(
  db: Queryable,
  shipment: { orderId: string; shipmentId: string; carrier: string; trackingNumber: string },
): Promise<'shipped' | 'already' | 'missing'> {
  const updated = await db.query(
    `UPDATE orders SET status = 'SHIPPED', shipment_id = $2, carrier = $3, tracking_number = $4, shipped_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'PAID'`,
    [shipment.orderId, shipment.shipmentId, shipment.carrier, shipment.trackingNumber],
  );
  if (updated.rowCount === 1) return 'shipped';
  const { rows } = await db.query<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', [shipment.orderId]);
  return rows[0] ? 'already' : 'missing';
}

/**
 * Orders stuck in PENDING (their checkout died mid-way), oldest first. Staleness counts from the last
 * change (touchPending), not from the transaction that created the order: with pool-starvation that
 * transaction spans the payment call, so created_at is older than the commit.
 */
export async function stalePendingOrders(db: Queryable, olderThanSeconds: number, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM orders
      WHERE status = 'PENDING' AND greatest(created_at, updated_at) < now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT $2`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => row.id);
}

export async function findOrder(db: Queryable, orderId: string): Promise<OrderView | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId]);
  const row = rows[0];
  if (!row) return undefined;
  const items = await db.query<{ line: number; sku: string; quantity: number; unit_price: number }>(
    'SELECT line, sku, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY line',
    [orderId],
  );
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    total: row.total,
    currency: row.currency.trim(),
    items: items.rows.map((item) => ({ line: item.line, sku: item.sku, quantity: item.quantity, unitPrice: item.unit_price })),
    payment:
      row.payment_id || row.payment_status ? { id: row.payment_id, status: row.payment_status, declineReason: row.decline_reason } : null,
    shipment: row.shipment_id
      ? { id: row.shipment_id, carrier: row.carrier, trackingNumber: row.tracking_number, shippedAt: row.shipped_at?.toISOString() ?? null }
      : null,
    traceId: row.trace_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    paidAt: row.paid_at?.toISOString() ?? null,
    shippedAt: row.shipped_at?.toISOString() ?? null,
  };
}
