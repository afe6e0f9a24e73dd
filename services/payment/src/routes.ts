/** HTTP handlers of the payment service: every one is for the order service, behind the internal credential. */
import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '@tracecart/logger';
import { HttpError, requireInternalCredential, validationError } from '@tracecart/http';
import { PartnerUnavailableError, type PartnersClient } from '@tracecart/partners/client';
import type { Pool } from '@tracecart/postgres';
import { annotate, inSpan, recordFailure } from '@tracecart/telemetry';
import { PaymentDeclinedError } from './client';
import { DECLINING_TOKEN, judge } from './fraud';
import {
  declineRequestSchema,
  paymentRequestSchema,
  quietSecondsSchema,
  reconciliationSchema,
  type PaymentResult,
  type UnreconciledPayment,
} from './payment-request';
import { declineIfUndecided, findByOrder, markAnswered, recentActivity, recordPayment, reconcile, unreconciled, type Payment } from './payments-repo';
import { riskScore } from './risk-score';

export interface PaymentRoutesOptions {
  pool: Pool;
  logger: Logger;
  /** The card network (the partners stand-in) that authorises what the fraud check lets through. */
  partners: PartnersClient;
  /** Whether the event-loop-block pathology is on: the risk table is rebuilt on the loop per payment. */
  eventLoopBlock: () => boolean;
  /** INTERNAL_TOKEN: the credential the order service's client sends. */
  internalToken: string;
}

function toResult(payment: Payment): PaymentResult {
  return { paymentId: payment.id, orderId: payment.orderId, status: payment.status, reason: payment.declineReason, amount: payment.amount };
}

/** The same order asked again with another amount or customer: not a retry, a conflict. */
function conflictWith(earlier: Payment, request: { customerId: string; amount: number }): HttpError | undefined {
  if (earlier.customerId === request.customerId && earlier.amount === request.amount) return undefined;
  return new HttpError(409, 'payment_conflict', `order ${earlier.orderId} was already paid for with another amount or customer`);
}

export function paymentRoutes({ pool, logger, partners, eventLoopBlock, internalToken }: PaymentRoutesOptions): Router {
  const router = Router();
  router.use('/payments', requireInternalCredential(internalToken));

  router.post('/payments', async (request, response) => {
    const parsed = paymentRequestSchema.safeParse(request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    annotate({ 'app.order.id': body.orderId, 'app.customer.id': body.customerId });
    const earlier = await findByOrder(pool, body.orderId);
    if (earlier) {
      const conflict = conflictWith(earlier, body);
      if (conflict) throw conflict;
    }
    if (earlier && earlier.status !== 'VOIDED') {
      const payment = (await markAnswered(pool, body.orderId)) ?? earlier;
      annotate({ 'app.payment.status': payment.status, 'app.payment.replayed': true });
      response.status(200).json(toResult(payment));
      return;
    }
    const verdict = await inSpan('payment.fraud_check', { 'app.customer.id': body.customerId }, async (span) => {
      const activity = await recentActivity(pool, body.customerId);
      span.setAttributes({ 'app.fraud.recent_count': activity.count, 'app.fraud.recent_total': activity.total });
      const judged = judge(activity, body.amount);
      span.setAttribute('app.fraud.suspicious', judged.suspicious);
      return judged;
    });
    await inSpan('payment.risk_score', {}, async (span) => {
      span.setAttribute('app.fraud.risk_score', riskScore(body.token, eventLoopBlock()));
    });
    const reason = body.token === DECLINING_TOKEN ? 'card_declined' : verdict.suspicious ? `fraud_suspected: ${verdict.reason}` : null;
    if (!reason) await authoriseWithCardNetwork(partners, body.orderId, body.amount);
    const record = () =>
      recordPayment(pool, {
        orderId: body.orderId,
        customerId: body.customerId,
        amount: body.amount,
        currency: body.currency,
        status: reason ? 'DECLINED' : 'AUTHORIZED',
        declineReason: reason,
      });
    // A decline is payment's business answer, not a server failure: semantic conventions leave a 4xx
    // server span's status unset. It is recorded on an internal span of its own instead, ERROR with an
    // exception event, where error views, the error-rate metrics and tail sampling find it.
    const { payment } = reason
      ? await inSpan('payment.decline', { 'app.payment.decline_reason': reason }, async (span) => {
          const recorded = await record();
          if (recorded.payment.status === 'DECLINED') recordFailure(span, new PaymentDeclinedError(recorded.payment.declineReason ?? reason));
          return recorded;
        })
      : await record();
    const conflict = conflictWith(payment, body);
    if (conflict) throw conflict;
    annotate({ 'app.payment.status': payment.status, 'app.payment.id': payment.id });
    if (payment.status === 'DECLINED') {
      logger.info({ orderId: body.orderId, reason: payment.declineReason }, 'payment declined');
      // Like every 4xx, the decline names its error code; the result fields stay for the typed client.
      response.status(402).json({ error: 'payment_declined', message: `payment declined: ${payment.declineReason ?? 'declined'}`, ...toResult(payment) });
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

/** The card network's authorisation (a third party: its latency is not ours to remove); 503 when it is down. */
async function authoriseWithCardNetwork(partners: PartnersClient, orderId: string, amount: number): Promise<void> {
  try {
    const authorisation = await partners.authorise(orderId, amount);
    annotate({ 'app.payment.authorisation_code': authorisation.authorisationCode });
  } catch (error) {
    if (error instanceof PartnerUnavailableError) throw new HttpError(503, 'card_network_unavailable', 'the card network did not answer; retry shortly');
    throw error;
  }
}

function orderIdParameter(value: unknown): string {
  const orderId = String(value);
  if (!uuid.safeParse(orderId).success) throw new HttpError(400, 'invalid_request', 'orderId: Invalid UUID', { field: 'orderId' });
  return orderId;
}
