/** The schema of a client-given identifier (customer id, SKU), shared by every service's validation. */
import { z } from 'zod';

/**
 * 1 to `max` characters of well-formed text: no control characters (PostgreSQL text cannot hold NUL, a
 * query with one fails) and no lone UTF-16 surrogates (they cannot be encoded as UTF-8 for the database).
 */
export function identifier(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters')
    .regex(/^\P{Cs}*$/u, 'must be well-formed Unicode (no lone surrogates)');
}
