/** The body of `POST /checkout`, validated with the field named on error. */
import { z } from 'zod';

export const MAX_CART_LINES = 50;

/** An identifier: no control characters (PostgreSQL text cannot even hold NUL; a query with one fails). */
const identifier = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters');

export const checkoutRequestSchema = z
  .object({
    customerId: identifier(64),
    items: z
      .array(
        z
          .object({
            sku: identifier(64),
            quantity: z.number().int().min(1).max(100),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_CART_LINES),
    payment: z
      .object({
        method: z.literal('card'),
        token: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must look like tok_xxx'),
      })
      .strict(),
  })
  .strict();

export type CheckoutRequest = z.infer<typeof checkoutRequestSchema>;
export type CartItem = CheckoutRequest['items'][number];
