/**
 * Finishes orders whose checkout died half-way (the order service was killed, or payment was
 * unreachable): every few seconds, orders PENDING for longer than any live checkout can take are
 * settled with what payment recorded for them. Payment is idempotent per order, so asking is safe;
 * an order payment never saw is failed and its stock released: nothing is charged twice, nothing lost.
 */
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { withTransaction } from '@tracecart/postgres';
import { inSpan } from '@tracecart/telemetry';
import { finishOrder, type CheckoutDeps } from './checkout';
import { findOrder, stalePendingOrders } from './orders-repo';

export async function recoverOrder(deps: CheckoutDeps, orderId: string): Promise<void> {
  await inSpan('order.recover_pending', { 'app.order.id': orderId }, async (span) => {
    const order = await findOrder(deps.pool, orderId);
    if (!order || order.status !== 'PENDING') return;
    const recorded = await deps.payments.findByOrder(orderId);
    const verdict = recorded ?? { paymentId: null, status: 'DECLINED' as const, reason: 'checkout_interrupted' };
    span.setAttribute('app.payment.status', verdict.status);
    const finished = await withTransaction(deps.pool, (db) => finishOrder(db, orderId, verdict, order.traceId));
    if (finished.published) deps.relay.kick();
    deps.logger.info({ orderId, status: verdict.status }, 'recovered a pending order');
  });
}

export interface RecoveryOptions {
  intervalMs?: number;
  /** Longer than a checkout can live: payment timeout × attempts plus margin. */
  staleAfterSeconds?: number;
}

export function startRecovery(deps: CheckoutDeps, { intervalMs = 5_000, staleAfterSeconds = 30 }: RecoveryOptions = {}): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void context
      .with(ROOT_CONTEXT, async () => {
        const stale = await stalePendingOrders(deps.pool, staleAfterSeconds, 50);
        for (const orderId of stale) await recoverOrder(deps, orderId);
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'recovery pass failed; will retry'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
