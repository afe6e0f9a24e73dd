/** The bodies of payment's endpoints, validated. Shared with the typed client so both sides agree. */
import { z } from 'zod';
import { identifier } from '@tracecart/http';

/**
 * An amount in EUR: at least one cent, whole cents only. zod's multipleOf(0.01) reads the decimal
 * places from the number's text, so 2.4e-212 or 1e-5 pass it (and then round to 0.00 in the
 * numeric(12,2) column, which the positive-amount constraint refuses with a 500): checked in cents.
 */
export const amountSchema = z
  .number()
  .min(0.01)
  .max(1_000_000)
  .refine((amount) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6, 'must be whole cents');

export const paymentRequestSchema = z
  .object({
    orderId: z.uuid(),
    customerId: identifier(64),
    amount: amountSchema,
    currency: z.literal('EUR').default('EUR'),
    method: z.literal('card'),
    token: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must look like tok_xxx'),
  })
  .strict();

export type PaymentRequest = z.input<typeof paymentRequestSchema>;

/** What `POST /payments` answers: 201 (authorised), 402 (declined); 200 when replaying an earlier result. */
export interface PaymentResult {
  paymentId: string;
  orderId: string;
  /** VOIDED: authorised once, then released because no order committed with it. */
  status: 'AUTHORIZED' | 'DECLINED' | 'VOIDED';
  reason: string | null;
  /** The authorised (or declined) amount: the order checks it against its total. */
  amount: number;
}

/** `POST /payments/orders/:orderId/decline-if-undecided`: the recovery sweeper claims an outcome. */
export const declineRequestSchema = z
  .object({
    customerId: identifier(64),
    amount: amountSchema,
    reason: z.string().regex(/^[a-z_]{1,64}$/),
  })
  .strict();

export type DeclineRequest = z.input<typeof declineRequestSchema>;

/** How long an authorisation must have gone unanswered before reconciliation may void it. */
export const quietSecondsSchema = z.coerce.number().int().min(5).max(86_400);

/** `POST /payments/reconciliations`: authorisations that belong to committed orders, and ones to void. */
export const reconciliationSchema = z
  .object({
    keep: z.array(z.uuid()).max(500),
    void: z.array(z.uuid()).max(500),
    quietSeconds: quietSecondsSchema,
  })
  .strict();

/** An authorisation awaiting reconciliation, as `GET /payments/unreconciled` lists it. */
export interface UnreconciledPayment {
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: number;
}
