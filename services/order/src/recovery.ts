/**
 * The recovery sweeper, every few seconds:
 *  - finishes orders whose checkout died half-way (the order service was killed, or payment was
 *    unreachable): orders PENDING for longer than any live checkout can take since their commit. It
 *    claims the outcome in payment ("decline if not yet decided"), so an authorisation arriving late
 *    cannot race it: payment answers the authorisation that won, or the decline to the late request.
 *  - reconciles authorisations: payment lists those nobody was answered about for a while; the ones
 *    that belong to a committed PAID order are kept, the others (their checkout rolled back and was
 *    never retried, or the order failed) are voided. An authorisation never stays without its order.
 * One order that cannot be settled is logged and skipped; it does not hold up the others.
 * With several replicas, each stale order is claimed by one of them before payment is called, and one
 * replica at a time holds the reconciliation's lease (sweeper-claims.ts): no lock is held across a call.
 */
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { withTransaction } from '@tracecart/postgres';
import { inSpan } from '@tracecart/telemetry';
import { finishOrder, type CheckoutDeps } from './checkout';
import { findOrder, paymentsOfOrders } from './orders-repo';
import { claimStalePendingOrder, releaseLease, releaseOrderClaim, takeLease } from './sweeper-claims';

export async function recoverOrder(deps: CheckoutDeps, orderId: string): Promise<void> {
  await inSpan('order.recover_pending', { 'app.order.id': orderId }, async (span) => {
    const order = await findOrder(deps.pool, orderId);
    if (!order || order.status !== 'PENDING') return;
    const decided = await deps.payments.declineIfUndecided(orderId, {
      customerId: order.customerId,
      amount: order.total,
      reason: 'checkout_interrupted',
    });
    span.setAttribute('app.payment.status', decided.status);
    const finished = await withTransaction(deps.pool, (db) => finishOrder(db, orderId, decided, order.traceId));
    if (finished.published) deps.relay.kick();
    deps.logger.info({ orderId, status: decided.status }, 'recovered a pending order');
  });
}

/** Keeps the unreconciled authorisations of committed PAID orders and voids those of no order (or a failed one). */
export async function reconcilePayments(
  deps: Pick<CheckoutDeps, 'pool' | 'payments' | 'logger' | 'deadlines'>,
): Promise<{ kept: number; voided: number }> {
  const quietSeconds = deps.deadlines.reconcileAfterSeconds;
  const listed = await deps.payments.unreconciled(quietSeconds);
  if (listed.length === 0) return { kept: 0, voided: 0 };
  return inSpan('order.reconcile_payments', { 'app.payment.unreconciled': listed.length }, async (span) => {
    const orders = await paymentsOfOrders(
      deps.pool,
      listed.map((payment) => payment.orderId),
    );
    const keep: string[] = [];
    const voids: string[] = [];
    for (const payment of listed) {
      const order = orders.get(payment.orderId);
      if (order?.status === 'PENDING') continue; // recovery settles it first
      const paid = (order?.status === 'PAID' || order?.status === 'SHIPPED') && order.paymentId === payment.paymentId;
      (paid ? keep : voids).push(payment.paymentId);
    }
    const outcome = await deps.payments.reconcile(keep, voids, quietSeconds);
    span.setAttributes({ 'app.payment.kept': outcome.kept, 'app.payment.voided': outcome.voided });
    if (outcome.voided > 0)
      deps.logger.warn(
        { voided: outcome.voided, orderIds: listed.filter((p) => voids.includes(p.paymentId)).map((p) => p.orderId) },
        'voided authorisations without a committed order',
      );
    return outcome;
  });
}

export interface RecoveryOptions {
  intervalMs?: number;
  /** This replica's name on its claims (service.instance.id). */
  owner?: string;
  /** How long a claim on one order, or the reconciliation's lease, lasts: longer than its payment calls take. */
  claimSeconds?: number;
}

export const RECONCILIATION_LEASE = 'payment-reconciliation';

export function startRecovery(
  deps: CheckoutDeps,
  { intervalMs = 5_000, owner = `order:${process.pid}`, claimSeconds = 60 }: RecoveryOptions = {},
): { stop(): void } {
  let running = false;
  const pass = async () => {
    // One order at a time, each claimed in its own short statement: up to 50 a pass, as before.
    const failed: string[] = [];
    for (let recovered = 0; recovered < 50; recovered++) {
      const orderId = await claimStalePendingOrder(deps.pool, owner, deps.deadlines.pendingStaleSeconds, claimSeconds);
      if (!orderId) break;
      await recoverOrder(deps, orderId).catch((error: unknown) => {
        deps.logger.warn({ err: error, orderId }, 'could not recover a pending order; will retry');
        failed.push(orderId);
      });
    }
    // Given back once the pass is over (not at once: this pass would claim them again), so the next pass
    // of any replica retries them instead of waiting for the claims to expire.
    for (const orderId of failed) await releaseOrderClaim(deps.pool, orderId, owner).catch(() => undefined);
    if (!(await takeLease(deps.pool, RECONCILIATION_LEASE, owner, claimSeconds))) return;
    await reconcilePayments(deps).catch((error: unknown) => deps.logger.warn({ err: error }, 'payment reconciliation failed; will retry'));
    await releaseLease(deps.pool, RECONCILIATION_LEASE, owner);
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void context
      .with(ROOT_CONTEXT, pass)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'recovery pass failed; will retry'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
