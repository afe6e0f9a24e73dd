/**
 * The checkout's deadlines, derived in one place from how long a live checkout can wait on payment
 * (the client's timeout × its attempts). At the default settings (5 s × 2, reconciliation after 60 s)
 * they are the 30 s of docs/reliability.md.
 */
export interface CheckoutDeadlines {
  /** An Idempotency-Key claim without an order this old is abandoned; a waiting request takes it over. */
  claimStaleSeconds: number;
  /** A PENDING order untouched this long belongs to a dead checkout; the recovery sweeper finishes it. */
  pendingStaleSeconds: number;
  /** A checkout that could not commit its order this long after payment answered gives up (503). */
  giveUpAfterMs: number;
  /** Unreconciled authorisations quiet this long are kept or voided by the sweeper (PAYMENT_RECONCILE_AFTER_SECONDS). */
  reconcileAfterSeconds: number;
}

export interface DeadlineSettings {
  paymentTimeoutMs: number;
  paymentAttempts: number;
  reconcileAfterSeconds: number;
}

export function checkoutDeadlines({ paymentTimeoutMs, paymentAttempts, reconcileAfterSeconds }: DeadlineSettings): CheckoutDeadlines {
  const paymentWaitSeconds = Math.ceil((paymentTimeoutMs * paymentAttempts) / 1_000);
  // Three times the longest payment wait leaves room for the checkout's own queries on a busy machine.
  const staleSeconds = 3 * paymentWaitSeconds;
  return {
    claimStaleSeconds: staleSeconds,
    pendingStaleSeconds: staleSeconds,
    // Past half the reconciliation delay a late commit could race the sweeper voiding its authorisation.
    giveUpAfterMs: Math.min(staleSeconds, reconcileAfterSeconds / 2) * 1_000,
    reconcileAfterSeconds,
  };
}
