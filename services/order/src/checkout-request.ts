/** The body of `POST /checkout`, validated with the field named on error. */
import { z } from 'zod';
import { identifier } from '@tracecart/http';

export const MAX_CART_LINES = 50;

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
