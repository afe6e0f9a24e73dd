/** Data access for the payments table. Parameterised SQL only. */
import type { Queryable } from '@tracecart/postgres';
import type { RecentActivity } from './fraud';

export type PaymentStatus = 'AUTHORIZED' | 'DECLINED';

export interface Payment {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  declineReason: string | null;
  createdAt: string;
}

interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  decline_reason: string | null;
  created_at: Date;
}

const columns = 'id, order_id, customer_id, amount, currency, status, decline_reason, created_at';

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    amount: row.amount,
    currency: row.currency.trim(),
    status: row.status,
    declineReason: row.decline_reason,
    createdAt: row.created_at.toISOString(),
  };
}

/** The fraud check's query: with no index on (customer_id, created_at) it scans the whole table. */
export async function recentActivity(db: Queryable, customerId: string): Promise<RecentActivity> {
  const { rows } = await db.query<{ count: number; total: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(amount), 0) AS total
       FROM payments
      WHERE customer_id = $1 AND created_at > now() - interval '30 days'`,
    [customerId],
  );
  return rows[0] ?? { count: 0, total: 0 };
}

export async function findByOrder(db: Queryable, orderId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE order_id = $1`, [orderId]);
  return rows[0] && toPayment(rows[0]);
}

/** A payment to record: everything but what the database assigns. */
export type NewPayment = Omit<Payment, 'id' | 'createdAt'>;

/**
 * Records the payment once per order. A second call for the same order (a retry, a duplicate request)
 * records nothing and returns the first payment.
 */
export async function recordPayment(db: Queryable, payment: NewPayment): Promise<{ payment: Payment; created: boolean }> {
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO payments (order_id, customer_id, amount, currency, status, decline_reason)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (order_id) DO NOTHING
     RETURNING ${columns}`,
    [payment.orderId, payment.customerId, payment.amount, payment.currency, payment.status, payment.declineReason],
  );
  if (rows[0]) return { payment: toPayment(rows[0]), created: true };
  const existing = await findByOrder(db, payment.orderId);
  if (!existing) throw new Error(`payment for order ${payment.orderId} vanished`);
  return { payment: existing, created: false };
}
