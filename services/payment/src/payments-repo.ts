/** Data access for the payments table. Parameterised SQL only. */
import type { Queryable } from '@tracecart/postgres';
import type { RecentActivity } from './fraud';

/** VOIDED: an authorisation whose checkout never committed its order, released by reconciliation. */
export type PaymentStatus = 'AUTHORIZED' | 'DECLINED' | 'VOIDED';

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

/** Marks a payment as just answered to a caller (see answered_at in the migration); returns it. */
export async function markAnswered(db: Queryable, orderId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `UPDATE payments SET answered_at = clock_timestamp() WHERE order_id = $1 RETURNING ${columns}`,
    [orderId],
  );
  return rows[0] && toPayment(rows[0]);
}

/** A payment to record: everything but what the database assigns. */
export type NewPayment = Omit<Payment, 'id' | 'createdAt'>;

/**
 * Records the payment once per order. A second call for the same order (a retry, a duplicate request)
 * records nothing and returns the first payment, except over a VOIDED one: the checkout that was
 * voided as abandoned came back (a client's retry), and this decision replaces the voided one.
 */
export async function recordPayment(db: Queryable, payment: NewPayment): Promise<{ payment: Payment; created: boolean }> {
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO payments (order_id, customer_id, amount, currency, status, decline_reason)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (order_id) DO UPDATE
       SET status = EXCLUDED.status, decline_reason = EXCLUDED.decline_reason, reconciled = false, answered_at = clock_timestamp()
       WHERE payments.status = 'VOIDED'
     RETURNING ${columns}`,
    [payment.orderId, payment.customerId, payment.amount, payment.currency, payment.status, payment.declineReason],
  );
  if (rows[0]) return { payment: toPayment(rows[0]), created: true };
  const existing = await markAnswered(db, payment.orderId);
  if (!existing) throw new Error(`payment for order ${payment.orderId} vanished`);
  return { payment: existing, created: false };
}

/**
 * The order service's recovery claims the outcome of an order it gives up on: DECLINED with `reason`
 * unless payment already decided (a VOIDED authorisation counts as undecided). Returns what stands:
 * an authorisation that won the race is returned as it is, and one that comes later replays this decline.
 */
export async function declineIfUndecided(
  db: Queryable,
  payment: Pick<NewPayment, 'orderId' | 'customerId' | 'amount' | 'currency'> & { reason: string },
): Promise<Payment> {
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO payments (order_id, customer_id, amount, currency, status, decline_reason, reconciled)
     VALUES ($1, $2, $3, $4, 'DECLINED', $5, true)
     ON CONFLICT (order_id) DO UPDATE
       SET status = 'DECLINED', decline_reason = EXCLUDED.decline_reason, reconciled = true, answered_at = clock_timestamp()
       WHERE payments.status = 'VOIDED'
     RETURNING ${columns}`,
    [payment.orderId, payment.customerId, payment.amount, payment.currency, payment.reason],
  );
  if (rows[0]) return toPayment(rows[0]);
  const existing = await markAnswered(db, payment.orderId);
  if (!existing) throw new Error(`payment for order ${payment.orderId} vanished`);
  return existing;
}

/**
 * Checkouts' authorisations (the seeded history has no order) not yet reconciled whose last answer is
 * older than `quietSeconds`, oldest first.
 */
export async function unreconciled(db: Queryable, quietSeconds: number, limit: number): Promise<Payment[]> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${columns} FROM payments
      WHERE status = 'AUTHORIZED' AND NOT reconciled AND order_id IS NOT NULL AND answered_at < now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT $2`,
    [quietSeconds, limit],
  );
  return rows.map(toPayment);
}

/**
 * Applies the order service's reconciliation: `keep` belong to committed orders, `voids` to none.
 * A void re-checks that nobody was answered meanwhile (a retry that just got this authorisation keeps it).
 */
export async function reconcile(
  db: Queryable,
  keep: string[],
  voids: string[],
  quietSeconds: number,
): Promise<{ kept: number; voided: number }> {
  const kept = await db.query(
    `UPDATE payments SET reconciled = true WHERE id = ANY($1::uuid[]) AND status = 'AUTHORIZED' AND NOT reconciled`,
    [keep],
  );
  const voided = await db.query(
    `UPDATE payments SET status = 'VOIDED', reconciled = true
      WHERE id = ANY($1::uuid[]) AND status = 'AUTHORIZED' AND NOT reconciled AND order_id IS NOT NULL AND answered_at < now() - make_interval(secs => $2)`,
    [voids, quietSeconds],
  );
  return { kept: kept.rowCount ?? 0, voided: voided.rowCount ?? 0 };
}
