/**
 * The checkout flow: validate the cart against the catalogue, reserve stock and write the order
 * PENDING (one transaction), ask payment, then mark the order PAID with an `order.paid` outbox event,
 * or PAYMENT_FAILED with the stock released (a second transaction).
 *
 * Two pathologies live here. n-plus-one: the cart is loaded one query per line. pool-starvation: the
 * first transaction, and so its pooled connection, stays open across the payment call.
 */
import type { Span } from '@opentelemetry/api';
import type { Logger } from '@tracecart/logger';
import { routingKeys, enqueueEvent, type OutboxRelay } from '@tracecart/messaging';
import type { PaymentClient, PaymentResult } from '@tracecart/payment/client';
import { PaymentUnavailableError } from '@tracecart/payment/client';
import { inTransaction, type Pool, type PoolClient } from '@tracecart/postgres';
import { scenarioAttribute } from '@tracecart/scenarios';
import { annotate, currentTraceId, inSpan, recordFailure } from '@tracecart/telemetry';
import { customerExists, loadProductsBySkus, loadProductsOneByOne, releaseStock, reserveStock } from './catalog-repo';
import type { CheckoutRequest } from './checkout-request';
import {
  ClaimLostError,
  attachOrder,
  claimKey,
  lookUp,
  releaseKey,
  requestHash,
  storeAnswer,
  storeAnswerForOrder,
  type StoredAnswer,
} from './idempotency';
import { findOrder, insertOrder, lockPendingOrder, markPaid, markPaymentFailed, type OrderView } from './orders-repo';
import { OutOfStockError, UnknownSkuError, mergeLines, priceCart } from './pricing';

export type CheckoutAnswer = StoredAnswer;

export interface CheckoutDeps {
  pool: Pool;
  payments: PaymentClient;
  relay: OutboxRelay;
  logger: Logger;
  scenarios: { nPlusOne(): boolean; poolStarvation(): boolean };
  /** How long a request waits for the answer of an earlier request with the same Idempotency-Key. */
  idempotencyWaitMs?: number;
}

export class PaymentDeclinedError extends Error {
  constructor(reason: string) {
    super(`payment declined: ${reason}`);
    this.name = 'PaymentDeclinedError';
  }
}

class UnknownCustomerError extends Error {
  constructor(customerId: string) {
    super(`unknown customer ${customerId}`);
    this.name = 'UnknownCustomerError';
  }
}

/** The answer for an order that has reached a final payment state. */
export function answerForOrder(order: Pick<OrderView, 'id' | 'status' | 'total' | 'traceId'> & { declineReason?: string | null }): CheckoutAnswer {
  if (order.status === 'PAYMENT_FAILED') {
    return {
      status: 402,
      body: {
        error: 'payment_declined',
        message: `payment declined: ${order.declineReason ?? 'declined'}`,
        orderId: order.id,
        status: order.status,
        total: order.total,
        traceId: order.traceId,
      },
    };
  }
  return { status: 201, body: { orderId: order.id, status: order.status, total: order.total, traceId: order.traceId } };
}

function businessAnswer(error: unknown, request: CheckoutRequest): CheckoutAnswer | undefined {
  if (error instanceof UnknownSkuError) {
    const index = request.items.findIndex((item) => item.sku === error.sku);
    return { status: 422, body: { error: 'unknown_sku', message: error.message, field: `items.${index}.sku`, sku: error.sku } };
  }
  if (error instanceof OutOfStockError) {
    return { status: 409, body: { error: 'out_of_stock', message: error.message, sku: error.sku, available: error.available } };
  }
  if (error instanceof UnknownCustomerError) {
    return { status: 422, body: { error: 'unknown_customer', message: error.message, field: 'customerId' } };
  }
  return undefined;
}

/** Payment's decision for an order; paymentId is null when payment never saw the order. */
export type PaymentVerdict = Pick<PaymentResult, 'status' | 'reason'> & { paymentId: string | null };

/** Finishes a PENDING order with payment's verdict, inside the caller's transaction. */
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
  if (result.status === 'AUTHORIZED' && result.paymentId) {
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
    const reason = result.reason ?? 'declined';
    await markPaymentFailed(db, orderId, result.paymentId, reason);
    await releaseStock(db, order.lines);
    answer = answerForOrder({ ...base, status: 'PAYMENT_FAILED', declineReason: reason });
  }
  await storeAnswerForOrder(db, orderId, answer);
  return { answer, published: result.status === 'AUTHORIZED' };
}

async function loadCart(db: PoolClient, skus: string[], nPlusOne: boolean) {
  return inSpan('checkout.load_cart', { 'app.order.lines': skus.length }, async (span) => {
    if (nPlusOne) span.setAttribute(scenarioAttribute('n-plus-one'), true);
    return nPlusOne ? loadProductsOneByOne(db, skus) : loadProductsBySkus(db, skus);
  });
}

/** The Idempotency-Key this request holds, with its claim token. */
type KeyClaim = { key: string; token: string };

async function placeOrder(deps: CheckoutDeps, request: CheckoutRequest, claim: KeyClaim | undefined, span: Span): Promise<CheckoutAnswer> {
  const { pool, payments, relay, scenarios } = deps;
  const starving = scenarios.poolStarvation();
  if (starving) span.setAttribute(scenarioAttribute('pool-starvation'), true);
  const traceId = currentTraceId();
  const lines = mergeLines(request.items);
  const client = await pool.connect();
  let open = true;
  const close = async (statement: 'COMMIT' | 'ROLLBACK') => {
    if (!open) return;
    open = false;
    try {
      await client.query(statement);
    } finally {
      client.release();
    }
  };
  try {
    await client.query('BEGIN');
    if (!(await customerExists(client, request.customerId))) throw new UnknownCustomerError(request.customerId);
    const products = await loadCart(client, lines.map((line) => line.sku), scenarios.nPlusOne());
    const cart = priceCart(lines, products);
    if (!(await reserveStock(client, cart.lines))) {
      throw new OutOfStockError(cart.lines[0]?.sku ?? '', 0);
    }
    const orderId = await insertOrder(client, { customerId: request.customerId, cart, traceId });
    if (claim) await attachOrder(client, claim.key, claim.token, orderId);
    annotate({ 'app.order.id': orderId, 'app.order.total': cart.total });
    // The fix: commit and give the connection back before waiting on another service.
    if (!starving) await close('COMMIT');

    let result: PaymentResult;
    try {
      result = await payments.authorize({
        orderId,
        customerId: request.customerId,
        amount: cart.total,
        method: 'card',
        token: request.payment.token,
      });
    } catch (error) {
      if (!(error instanceof PaymentUnavailableError)) throw error;
      await close('COMMIT');
      recordFailure(span, error);
      deps.logger.warn({ err: error, orderId }, 'payment unavailable; order left PENDING for recovery');
      return {
        status: 503,
        body: { error: 'payment_unavailable', message: error.message, orderId, status: 'PENDING', traceId: traceId ?? null },
      };
    }
    annotate({ 'app.payment.status': result.status });
    const finished = open
      ? await finishOrder(client, orderId, result, traceId)
      : await inTransaction(pool, (db) => finishOrder(db, orderId, result, traceId));
    await close('COMMIT');
    if (finished.published) relay.kick();
    if (finished.answer.status === 402) {
      const declined = new PaymentDeclinedError(result.reason ?? 'declined');
      recordFailure(span, declined);
      annotate({ 'app.payment.decline_reason': result.reason ?? 'declined' });
    }
    return finished.answer;
  } catch (error) {
    await close('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

type Waited = { kind: 'answer'; answer: CheckoutAnswer } | { kind: 'claimed'; token: string };

/**
 * Waits for the answer of the request that holds the key. When the key becomes free (that request
 * failed before creating anything) or its claim is abandoned (that request died), this request gets
 * the claim and must do the checkout itself: giving the claim up would leave the key blocked.
 */
async function waitForAnswer(deps: CheckoutDeps, key: string, hash: string, orderId: string | null): Promise<Waited> {
  const deadline = Date.now() + (deps.idempotencyWaitMs ?? 15_000);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const claim = await lookUp(deps.pool, key, hash);
    if (claim.kind === 'replay') return { kind: 'answer', answer: claim.answer };
    if (claim.kind === 'mismatch') return { kind: 'answer', answer: mismatch() };
    if (claim.kind === 'claimed') return claim;
    orderId = claim.orderId;
  }
  return {
    kind: 'answer',
    answer: {
      status: 409,
      body: { error: 'request_in_progress', message: 'an earlier request with this Idempotency-Key is still running', orderId },
    },
  };
}

function mismatch(): CheckoutAnswer {
  return {
    status: 422,
    body: { error: 'idempotency_key_reused', message: 'this Idempotency-Key was used with a different request body', field: 'Idempotency-Key' },
  };
}

export async function checkout(deps: CheckoutDeps, request: CheckoutRequest, key?: string): Promise<CheckoutAnswer> {
  const attributes = { 'app.customer.id': request.customerId, 'app.order.items_count': request.items.length };
  annotate(attributes);
  return inSpan('checkout', attributes, async (span) => {
    const hash = requestHash(request);
    let claim: KeyClaim | undefined;
    if (key) {
      const first = await claimKey(deps.pool, key, hash);
      span.setAttribute('app.idempotency.outcome', first.kind);
      if (first.kind === 'mismatch') return mismatch();
      if (first.kind === 'replay') return first.answer;
      if (first.kind === 'in-progress') {
        const waited = await waitForAnswer(deps, key, hash, first.orderId);
        if (waited.kind === 'answer') return waited.answer;
        span.setAttribute('app.idempotency.taken_over', true);
        claim = { key, token: waited.token };
      } else {
        claim = { key, token: first.token };
      }
    }
    for (;;) {
      try {
        return await placeOrder(deps, request, claim, span);
      } catch (error) {
        if (error instanceof ClaimLostError && claim) {
          // Our claim was taken over as abandoned; our order rolled back. The new holder answers.
          const waited = await waitForAnswer(deps, claim.key, hash, null);
          if (waited.kind === 'answer') return waited.answer;
          claim = { key: claim.key, token: waited.token };
          continue;
        }
        const answer = businessAnswer(error, request);
        if (!answer) {
          if (claim) await releaseKey(deps.pool, claim.key, claim.token).catch(() => undefined);
          throw error;
        }
        recordFailure(span, error);
        if (claim) await storeAnswer(deps.pool, claim.key, claim.token, answer);
        return answer;
      }
    }
  });
}
