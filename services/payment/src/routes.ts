/**
 * HTTP handlers of the payment service: every one is for the order service, behind the internal
 * credential. They parse and answer; the authorisation flow is authorise-payment.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '@tracecart/logger';
import { HttpError, requireInternalCredential, validationError } from '@tracecart/http';
import { annotate } from '@tracecart/telemetry';
import { authorisePayment, type AuthorisationDeps } from './authorise-payment';
import {
  declineRequestSchema,
  paymentRequestSchema,
  quietSecondsSchema,
  reconciliationSchema,
  type PaymentResult,
  type UnreconciledPayment,
} from './payment-request';
import { declineIfUndecided, findByOrder, reconcile, unreconciled, type Payment } from './payments-repo';

export interface PaymentRoutesOptions extends AuthorisationDeps {
  logger: Logger;
  /** INTERNAL_TOKEN: the credential the order service's client sends. */
  internalToken: string;
}

function toResult(payment: Payment): PaymentResult {
  return { paymentId: payment.id, orderId: payment.orderId, status: payment.status, reason: payment.declineReason, amount: payment.amount };
}

export function paymentRoutes({ pool, logger, partners, eventLoopBlock, internalToken }: PaymentRoutesOptions): Router {
  const router = Router();
  router.use('/payments', requireInternalCredential(internalToken));

  router.post('/payments', async (request, response) => {
    const parsed = paymentRequestSchema.safeParse(request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    annotate({ 'app.order.id': body.orderId, 'app.customer.id': body.customerId });
    const { payment, replayed } = await authorisePayment({ pool, partners, eventLoopBlock }, body);
    if (replayed) {
      response.status(200).json(toResult(payment));
      return;
    }
    if (payment.status === 'DECLINED') {
      logger.info({ orderId: body.orderId, reason: payment.declineReason }, 'payment declined');
      // Like every 4xx, the decline names its error code; the result fields stay for the typed client.
      response
        .status(402)
        .json({ error: 'payment_declined', message: `payment declined: ${payment.declineReason ?? 'declined'}`, ...toResult(payment) });
      return;
    }
    response.status(201).json(toResult(payment));
  });

  router.get('/payments/orders/:orderId', async (request, response) => {
    const orderId = orderIdParameter(request.params.orderId);
    const payment = await findByOrder(pool, orderId);
    if (!payment) throw new HttpError(404, 'not_found', `no payment for order ${orderId}`);
    response.json(toResult(payment));
  });

  router.post('/payments/orders/:orderId/decline-if-undecided', async (request, response) => {
    const orderId = orderIdParameter(request.params.orderId);
    const parsed = declineRequestSchema.safeParse(request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const payment = await declineIfUndecided(pool, { orderId, currency: 'EUR', ...parsed.data });
    annotate({ 'app.order.id': orderId, 'app.payment.status': payment.status });
    response.json(toResult(payment));
  });

  router.get('/payments/unreconciled', async (request, response) => {
    const quiet = quietSecondsSchema.safeParse(request.query.quietSeconds);
    if (!quiet.success) throw new HttpError(400, 'invalid_request', 'quietSeconds: an integer from 5 to 86400', { field: 'quietSeconds' });
    const payments = await unreconciled(pool, quiet.data, 200);
    const listed: UnreconciledPayment[] = payments.map((payment) => ({
      paymentId: payment.id,
      orderId: payment.orderId,
      customerId: payment.customerId,
      amount: payment.amount,
    }));
    response.json(listed);
  });

  router.post('/payments/reconciliations', async (request, response) => {
    const parsed = reconciliationSchema.safeParse(request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { keep, void: voids, quietSeconds } = parsed.data;
    const outcome = await reconcile(pool, keep, voids, quietSeconds);
    if (outcome.voided > 0) logger.warn({ voided: outcome.voided }, 'voided authorisations whose order never committed');
    response.json(outcome);
  });

  return router;
}

const uuid = z.uuid();

function orderIdParameter(value: unknown): string {
  const orderId = String(value);
  if (!uuid.safeParse(orderId).success) throw new HttpError(400, 'invalid_request', 'orderId: Invalid UUID', { field: 'orderId' });
  return orderId;
}
