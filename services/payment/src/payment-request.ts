/** The body of `POST /payments`, validated. Shared with the typed client so both sides agree. */
import { z } from 'zod';
import { identifier } from '@tracecart/http';

export const paymentRequestSchema = z
  .object({
    orderId: z.uuid(),
    customerId: identifier(64),
    amount: z.number().nonnegative().max(1_000_000).multipleOf(0.01),
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
  status: 'AUTHORIZED' | 'DECLINED';
  reason: string | null;
}
