/**
 * `POST /payments`, the authorisation flow: replay what payment already decided for the order, else the
 * fraud check, the risk score, the card network's authorisation (unless declined already) and the
 * payment recorded, AUTHORIZED or DECLINED. The routes parse and answer; the SQL is in payments-repo.ts.
 */
import { HttpError } from '@tracecart/http';
import { PartnerUnavailableError, type PartnersClient } from '@tracecart/partners/client';
import type { Pool } from '@tracecart/postgres';
import { annotate, inSpan, recordFailure } from '@tracecart/telemetry';
import { PaymentDeclinedError } from './client';
import { DECLINING_TOKEN, judge } from './fraud';
import type { paymentRequestSchema } from './payment-request';
import type { z } from 'zod';
import { findByOrder, markAnswered, recentActivity, recordPayment, type Payment } from './payments-repo';
import { riskScore } from './risk-score';

export interface AuthorisationDeps {
  pool: Pool;
  /** The card network (the partners stand-in) that authorises what the fraud check lets through. */
  partners: PartnersClient;
  /** Whether the event-loop-block pathology is on: the risk table is rebuilt on the loop per payment. */
  eventLoopBlock: () => boolean;
}

/** The payment that stands for the order; `replayed` when payment had decided it before this request. */
export type Authorisation = { payment: Payment; replayed: boolean };

type PaymentRequest = z.output<typeof paymentRequestSchema>;

export async function authorisePayment(
  { pool, partners, eventLoopBlock }: AuthorisationDeps,
  request: PaymentRequest,
): Promise<Authorisation> {
  const earlier = await findByOrder(pool, request.orderId);
  if (earlier) throwIfConflict(earlier, request);
  if (earlier && earlier.status !== 'VOIDED') {
    const payment = (await markAnswered(pool, request.orderId)) ?? earlier;
    annotate({ 'app.payment.status': payment.status, 'app.payment.replayed': true });
    return { payment, replayed: true };
  }
  const verdict = await inSpan('payment.fraud_check', { 'app.customer.id': request.customerId }, async (span) => {
    const activity = await recentActivity(pool, request.customerId);
    span.setAttributes({ 'app.fraud.recent_count': activity.count, 'app.fraud.recent_total': activity.total });
    const judged = judge(activity, request.amount);
    span.setAttribute('app.fraud.suspicious', judged.suspicious);
    return judged;
  });
  await inSpan('payment.risk_score', {}, async (span) => {
    span.setAttribute('app.fraud.risk_score', riskScore(request.token, eventLoopBlock()));
  });
  const reason = request.token === DECLINING_TOKEN ? 'card_declined' : verdict.suspicious ? `fraud_suspected: ${verdict.reason}` : null;
  if (!reason) await authoriseWithCardNetwork(partners, request.orderId, request.amount);
  const record = () =>
    recordPayment(pool, {
      orderId: request.orderId,
      customerId: request.customerId,
      amount: request.amount,
      currency: request.currency,
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
  // A concurrent request for the same order recorded first, with another amount or customer.
  throwIfConflict(payment, request);
  annotate({ 'app.payment.status': payment.status, 'app.payment.id': payment.id });
  return { payment, replayed: false };
}

/** The same order asked again with another amount or customer: not a retry, a conflict. */
function throwIfConflict(earlier: Payment, request: { customerId: string; amount: number }): void {
  if (earlier.customerId === request.customerId && earlier.amount === request.amount) return;
  throw new HttpError(409, 'payment_conflict', `order ${earlier.orderId} was already paid for with another amount or customer`);
}

/** The card network's authorisation (a third party: its latency is not ours to remove); 503 when it is down. */
async function authoriseWithCardNetwork(partners: PartnersClient, orderId: string, amount: number): Promise<void> {
  try {
    const authorisation = await partners.authorise(orderId, amount);
    annotate({ 'app.payment.authorisation_code': authorisation.authorisationCode });
  } catch (error) {
    if (error instanceof PartnerUnavailableError)
      throw new HttpError(503, 'card_network_unavailable', 'the card network did not answer; retry shortly');
    throw error;
  }
}
