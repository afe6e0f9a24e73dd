/**
 * Running a checkout idempotently: claim its Idempotency-Key (or replay the key's answer, or wait for
 * the request that holds it), run the attempt, and keep the key's record true whatever happens. The
 * keys' SQL is in idempotency-keys-repo.ts.
 */
import type { Span } from '@opentelemetry/api';
import type { Pool } from '@tracecart/postgres';
import { recordFailure } from '@tracecart/telemetry';
import { keyReusedAnswer, refusalAnswer, stillRunningAnswer, type CheckoutAnswer } from './checkout-answers';
import type { CheckoutRequest } from './checkout-request';
import { ClaimLostError, claimKey, lookUp, releaseKey, storeAnswer } from './idempotency-keys-repo';
import { OutOfStockError } from './refusals';

/** The Idempotency-Key this request holds, with its claim token. */
export type KeyClaim = { key: string; token: string };

export interface IdempotentCheckout {
  pool: Pool;
  /** The request's span: gets the claim's outcome, and the failure of a refusal. */
  span: Span;
  request: CheckoutRequest;
  key: string | undefined;
  /** requestHash of the body: the same key with another body is refused. */
  hash: string;
  /** How long a request waits for the answer of an earlier request with the same key. */
  waitMs: number;
  /** A claim without an order this old is taken over (checkout-deadlines.ts). */
  claimStaleSeconds: number;
}

/** Runs `attempt` (holding the key's claim; undefined without a key) at most once per Idempotency-Key. */
export async function runIdempotently(
  run: IdempotentCheckout,
  attempt: (claim: KeyClaim | undefined) => Promise<CheckoutAnswer>,
): Promise<CheckoutAnswer> {
  const { pool, span, key, hash } = run;
  let claim: KeyClaim | undefined;
  if (key) {
    const first = await claimKey(pool, key, hash, run.claimStaleSeconds);
    span.setAttribute('app.idempotency.outcome', first.kind);
    if (first.kind === 'mismatch') return keyReusedAnswer();
    if (first.kind === 'replay') return first.answer;
    if (first.kind === 'in-progress') {
      const waited = await waitForAnswer(run, key, first.orderId);
      if (waited.kind === 'answer') return waited.answer;
      span.setAttribute('app.idempotency.taken_over', true);
      claim = { key, token: waited.token };
    } else {
      claim = { key, token: first.token };
    }
  }
  for (;;) {
    try {
      return await attempt(claim);
    } catch (error) {
      if (error instanceof ClaimLostError && claim) {
        // Our claim was taken over as abandoned; our order rolled back. The new holder answers.
        const waited = await waitForAnswer(run, claim.key, null);
        if (waited.kind === 'answer') return waited.answer;
        claim = { key: claim.key, token: waited.token };
        continue;
      }
      // A business refusal is an answer (stored for the key); anything else is a fault, re-thrown.
      const answer = refusalAnswer(error, run.request);
      if (!answer) {
        if (claim) await releaseKey(pool, claim.key, claim.token).catch(() => undefined);
        throw error;
      }
      recordFailure(span, error);
      // Out of stock holds only until a restock: the key is freed, not bound to the 409 for ever.
      if (claim && !(error instanceof OutOfStockError)) await storeAnswer(pool, claim.key, claim.token, answer);
      else if (claim) await releaseKey(pool, claim.key, claim.token).catch(() => undefined);
      return answer;
    }
  }
}

type Waited = { kind: 'answer'; answer: CheckoutAnswer } | { kind: 'claimed'; token: string };

/**
 * Waits for the answer of the request that holds the key. When the key becomes free (that request
 * failed before creating anything) or its claim is abandoned (that request died), this request gets
 * the claim and must do the work itself: giving the claim up would leave the key blocked.
 */
async function waitForAnswer(run: IdempotentCheckout, key: string, orderId: string | null): Promise<Waited> {
  const deadline = Date.now() + run.waitMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const claim = await lookUp(run.pool, key, run.hash, run.claimStaleSeconds);
    if (claim.kind === 'replay') return { kind: 'answer', answer: claim.answer };
    if (claim.kind === 'mismatch') return { kind: 'answer', answer: keyReusedAnswer() };
    if (claim.kind === 'claimed') return claim;
    orderId = claim.orderId;
  }
  return { kind: 'answer', answer: stillRunningAnswer(orderId) };
}
