/**
 * How order's background passes share the work between replicas without holding a lock across a payment
 * call (on a one-connection pool that would starve the checkout): each claim is one short statement,
 * committed before the work it claims starts.
 *  - A stale PENDING order is claimed by one replica for `leaseSeconds` (FOR UPDATE SKIP LOCKED, so two
 *    sweepers never wait on each other); the claim of a replica killed mid-way expires.
 *  - A pass over a whole table (payment reconciliation, idempotency retention) takes a named lease row in
 *    job_leases; the replica that holds it runs the pass, the others skip theirs.
 */
import type { Queryable } from '@tracecart/postgres';

/** Claims the oldest stale PENDING order nobody else holds; undefined when there is none. */
export async function claimStalePendingOrder(
  db: Queryable,
  owner: string,
  staleSeconds: number,
  leaseSeconds: number,
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE orders SET recovery_claimed_by = $1, recovery_claimed_until = now() + make_interval(secs => $2)
      WHERE id = (SELECT id FROM orders
                   WHERE status = 'PENDING' AND greatest(created_at, updated_at) < now() - make_interval(secs => $3)
                     AND (recovery_claimed_until IS NULL OR recovery_claimed_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [owner, leaseSeconds, staleSeconds],
  );
  return rows[0]?.id;
}

/** Gives a claim back early (its recovery failed: payment down), so the next pass, of any replica, retries it. */
export async function releaseOrderClaim(db: Queryable, orderId: string, owner: string): Promise<void> {
  await db.query('UPDATE orders SET recovery_claimed_until = NULL WHERE id = $1 AND recovery_claimed_by = $2', [orderId, owner]);
}

/** Takes (or renews) the lease `name` for `seconds` unless another owner holds a running one. */
export async function takeLease(db: Queryable, name: string, owner: string, seconds: number): Promise<boolean> {
  await db.query('INSERT INTO job_leases (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
  const taken = await db.query(
    `UPDATE job_leases SET held_by = $2, held_until = now() + make_interval(secs => $3)
      WHERE name = $1 AND (held_until < now() OR held_by = $2)`,
    [name, owner, seconds],
  );
  return (taken.rowCount ?? 0) === 1;
}

/** Ends this owner's lease early (the pass is done); another owner's lease is left alone. */
export async function releaseLease(db: Queryable, name: string, owner: string): Promise<void> {
  await db.query(`UPDATE job_leases SET held_until = '-infinity' WHERE name = $1 AND held_by = $2`, [name, owner]);
}
