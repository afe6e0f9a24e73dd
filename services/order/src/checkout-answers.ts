/**
 * The HTTP answers of `POST /checkout` (201, 402, 409, 422, 503), shaped in one place. The routes send
 * them; the idempotency store keeps them, so a retry with the same Idempotency-Key gets the same answer.
 */
import type { StoredAnswer } from './idempotency-keys-repo';
import type { CheckoutRequest } from './checkout-request';
import type { OrderView } from './orders-repo';
import { KeyReusedError, OutOfStockError, UnknownCustomerError, UnknownSkuError } from './refusals';

export type CheckoutAnswer = StoredAnswer;

/** The answer for an order that has reached a final payment state: 201, or 402 when declined. */
export function answerForOrder(
  order: Pick<OrderView, 'id' | 'status' | 'total' | 'traceId'> & { declineReason?: string | null },
): CheckoutAnswer {
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

/** 422 or 409 for a business refusal; undefined for any other error (a fault, not an answer). */
export function refusalAnswer(error: unknown, request: CheckoutRequest): CheckoutAnswer | undefined {
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
  if (error instanceof KeyReusedError) return keyReusedAnswer();
  return undefined;
}

/** 503: payment could not be reached; the order stays PENDING and the recovery sweeper finishes it. */
export function paymentUnavailableAnswer(error: Error, orderId: string, traceId: string | undefined): CheckoutAnswer {
  return {
    status: 503,
    body: { error: 'payment_unavailable', message: error.message, orderId, status: 'PENDING', traceId: traceId ?? null },
  };
}

/** 422: the Idempotency-Key was first used with another body. */
export function keyReusedAnswer(): CheckoutAnswer {
  return {
    status: 422,
    body: {
      error: 'idempotency_key_reused',
      message: 'this Idempotency-Key was used with a different request body',
      field: 'Idempotency-Key',
    },
  };
}

/** 409: the request that holds the Idempotency-Key did not answer in time. */
export function stillRunningAnswer(orderId: string | null): CheckoutAnswer {
  return {
    status: 409,
    body: { error: 'request_in_progress', message: 'an earlier request with this Idempotency-Key is still running', orderId },
  };
}
