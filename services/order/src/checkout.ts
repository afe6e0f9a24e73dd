/**
 * The checkout flow, step by step: reserve (the customer exists, the cart is priced, stock is reserved
 * and the order written PENDING), ask payment, finish (PAID with an `order.paid` outbox event, or
 * PAYMENT_FAILED with the stock released). Around it: the Idempotency-Key loop (idempotent-checkout.ts); beside
 * it: the pathology switches (checkout-pathologies.ts) and the HTTP answers (checkout-answers.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import { HttpError } from '@tracecart/http';
import type { Logger } from '@tracecart/logger';
import { routingKeys, enqueueEvent, type OutboxRelay } from '@tracecart/messaging';
import { PaymentDeclinedError, PaymentUnavailableError, type PaymentClient, type PaymentResult } from '@tracecart/payment/client';
import type { Pool, PoolClient } from '@tracecart/postgres';
import { annotate, currentTraceId, inSpan, recordFailure } from '@tracecart/telemetry';
import { customerExists, releaseStock, reserveStock, stockLeft } from './catalog-repo';
import { answerForOrder, paymentUnavailableAnswer, type CheckoutAnswer } from './checkout-answers';
import { loadCart, withCheckoutTransactions } from './checkout-pathologies';
import type { CheckoutRequest } from './checkout-request';
import type { CheckoutDeadlines } from './checkout-deadlines';
import { runIdempotently, type KeyClaim } from './idempotent-checkout';
import { attachOrder, requestHash, storeAnswerForOrder } from './idempotency-keys-repo';
import { findOrder, insertOrder, lockPendingOrder, markPaid, markPaymentFailed, touchPending } from './orders-repo';
import { mergeLines, priceCart } from './pricing';
import { KeyReusedError, OutOfStockError, UnknownCustomerError } from './refusals';

export type { CheckoutAnswer } from './checkout-answers';

export interface CheckoutDeps {
  pool: Pool;
  /**
   * The checkout's pool while pool-starvation is on (STARVED_POOL_SIZE connections). Only checkouts take
   * it; recovery, the outbox relay, the consumers, the other routes and /readyz keep `pool`.
   */
  starvedPool: Pool;
  payments: PaymentClient;
  relay: OutboxRelay;
  logger: Logger;
  scenarios: { nPlusOne(): boolean; poolStarvation(): boolean };
  /** How long a request waits for the answer of an earlier request with the same Idempotency-Key. */
  idempotencyWaitMs?: number;
  deadlines: CheckoutDeadlines;
}

/**
 * The order id of a checkout attempt. With an Idempotency-Key it is derived from the key and the body,
 * so every retry of the attempt (after a rollback, a crash, a takeover) writes the same order, and
 * payment, idempotent per order, answers the authorisation it already made instead of charging again.
 */
export function checkoutOrderId(key: string | undefined, hash: string): string {
  if (key === undefined) return randomUUID();
  const bytes = createHash('sha256').update(`tracecart-checkout\0${key}\0${hash}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8 (custom), RFC 9562
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `POST /checkout`: one checkout, at most once per Idempotency-Key. */
export async function checkout(deps: CheckoutDeps, request: CheckoutRequest, key?: string): Promise<CheckoutAnswer> {
  const attributes = { 'app.customer.id': request.customerId, 'app.order.items_count': request.items.length };
  annotate(attributes);
  const hash = requestHash(request);
  const starved = deps.scenarios.poolStarvation();
  const pool = starved ? deps.starvedPool : deps.pool;
  return inSpan('checkout', attributes, (span) => {
    const run = {
      pool,
      span,
      request,
      key,
      hash,
      waitMs: deps.idempotencyWaitMs ?? 15_000,
      claimStaleSeconds: deps.deadlines.claimStaleSeconds,
    };
    return runIdempotently(run, (claim) => placeOrder(deps, pool, starved, request, claim, span, checkoutOrderId(claim?.key, hash)));
  });
}

async function placeOrder(
  deps: CheckoutDeps,
  pool: Pool,
  starved: boolean,
  request: CheckoutRequest,
  claim: KeyClaim | undefined,
  span: Span,
  orderId: string,
): Promise<CheckoutAnswer> {
  const traceId = currentTraceId();
  const placed = await withCheckoutTransactions(pool, starved, async (inTransaction) => {
    const order = await inTransaction((db) => reserve(db, deps, request, claim, orderId, traceId));
    const payment = await askPayment(deps.payments, request, order);
    if (payment.kind === 'unavailable') {
      // Recovery's staleness counts from this commit (with pool-starvation the order commits only now).
      await inTransaction((db) => touchPending(db, order.id));
      return { ...payment, orderId: order.id };
    }
    const answeredAt = Date.now();
    const finished = await inTransaction(async (db) => {
      const done = await finishOrder(db, order.id, payment.result, traceId);
      if (Date.now() - answeredAt > deps.deadlines.giveUpAfterMs) {
        throw new HttpError(503, 'checkout_interrupted', 'the order could not be committed in time; retry with the same Idempotency-Key');
      }
      return done;
    });
    return { ...finished, kind: 'finished' as const, result: payment.result };
  });
  if (placed.kind === 'unavailable') {
    recordFailure(span, placed.error);
    deps.logger.warn({ err: placed.error, orderId: placed.orderId }, 'payment unavailable; order left PENDING for recovery');
    return paymentUnavailableAnswer(placed.error, placed.orderId, traceId);
  }
  if (placed.published) deps.relay.kick();
  if (placed.answer.status === 402) {
    const reason = placed.result.reason ?? 'declined';
    recordFailure(span, new PaymentDeclinedError(reason));
    annotate({ 'app.payment.decline_reason': reason });
  }
  return placed.answer;
}

/** Step 1: the order written PENDING with its stock reserved (and the request's key pointing at it). */
async function reserve(
  db: PoolClient,
  deps: CheckoutDeps,
  request: CheckoutRequest,
  claim: KeyClaim | undefined,
  orderId: string,
  traceId: string | undefined,
): Promise<{ id: string; total: number }> {
  if (!(await customerExists(db, request.customerId))) throw new UnknownCustomerError(request.customerId);
  const lines = mergeLines(request.items);
  const products = await loadCart(
    db,
    lines.map((line) => line.sku),
    deps.scenarios.nPlusOne(),
  );
  const cart = priceCart(lines, products);
  const short = await reserveStock(db, cart.lines);
  if (short.length > 0) {
    // Name the line that was short (not the cart's first), with what is left of it now.
    const line = cart.lines.find((candidate) => candidate.productId === short[0])!;
    throw new OutOfStockError(line.sku, await stockLeft(db, line.productId));
  }
  // The attempt's order exists already only when its key was used before and has since expired.
  if (!(await insertOrder(db, { id: orderId, customerId: request.customerId, cart, traceId }))) throw new KeyReusedError();
  if (claim) await attachOrder(db, claim.key, claim.token, orderId);
  annotate({ 'app.order.id': orderId, 'app.order.total': cart.total });
  return { id: orderId, total: cart.total };
}

type PaymentOutcome = { kind: 'verdict'; result: PaymentResult } | { kind: 'unavailable'; error: PaymentUnavailableError };

/** Step 2: payment's verdict, or "unavailable" (the order then stays PENDING for recovery). */
async function askPayment(
  payments: PaymentClient,
  request: CheckoutRequest,
  order: { id: string; total: number },
): Promise<PaymentOutcome> {
  try {
    const result = await payments.authorize({
      orderId: order.id,
      customerId: request.customerId,
      amount: order.total,
      method: 'card',
      token: request.payment.token,
    });
    annotate({ 'app.payment.status': result.status });
    return { kind: 'verdict', result };
  } catch (error) {
    if (error instanceof PaymentUnavailableError) return { kind: 'unavailable', error };
    throw error;
  }
}

/** Payment's decision for an order; paymentId is null when payment never saw the order. */
export type PaymentVerdict = Pick<PaymentResult, 'status' | 'reason' | 'amount'> & { paymentId: string | null };

/**
 * Step 3: finishes a PENDING order with payment's verdict, inside the caller's transaction. Also how
 * the recovery sweeper settles an order whose checkout died half-way.
 */
export async function finishOrder(
  db: PoolClient,
  orderId: string,
  result: PaymentVerdict,
  traceId: string | null | undefined,
): Promise<{ answer: CheckoutAnswer; published: boolean }> {
  const order = await lockPendingOrder(db, orderId);
  if (!order) {
    // Someone finished it already (the recovery sweeper): answer with what it decided.
    const current = await findOrder(db, orderId);
    if (!current) throw new Error(`order ${orderId} vanished`);
    return { answer: answerForOrder({ ...current, declineReason: current.payment?.declineReason ?? null }), published: false };
  }
  const base = { id: orderId, total: order.total, traceId: traceId ?? null };
  let answer: CheckoutAnswer;
  // An authorisation for another amount than the order's total is not this order's payment: the order
  // fails, and the recovery sweeper voids the authorisation (it belongs to no PAID order).
  const authorised = result.status === 'AUTHORIZED' && result.paymentId !== null && result.amount === order.total;
  if (authorised && result.paymentId) {
    await markPaid(db, orderId, result.paymentId);
    await enqueueEvent(db, routingKeys.orderPaid, {
      orderId,
      customerId: order.customerId,
      total: order.total,
      currency: 'EUR',
      itemsCount: order.lines.length,
      paymentId: result.paymentId,
    });
    answer = answerForOrder({ ...base, status: 'PAID' });
  } else {
    const reason = result.status === 'AUTHORIZED' ? 'amount_mismatch' : (result.reason ?? 'declined');
    await markPaymentFailed(db, orderId, result.paymentId, reason);
    await releaseStock(db, order.lines);
    answer = answerForOrder({ ...base, status: 'PAYMENT_FAILED', declineReason: reason });
  }
  await storeAnswerForOrder(db, orderId, answer);
  return { answer, published: authorised };
}
