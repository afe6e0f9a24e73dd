import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkoutDeadlines } from './checkout-deadlines';

describe('checkoutDeadlines', () => {
  it("keeps docs/reliability.md's 30 s at the default settings (5 s timeout, 2 attempts, reconciliation after 60 s)", () => {
    assert.deepEqual(checkoutDeadlines({ paymentTimeoutMs: 5_000, paymentAttempts: 2, reconcileAfterSeconds: 60 }), {
      claimStaleSeconds: 30,
      pendingStaleSeconds: 30,
      giveUpAfterMs: 30_000,
      reconcileAfterSeconds: 60,
    });
  });

  it('grows with the payment wait, and gives up before the reconciliation could void the authorisation', () => {
    const slow = checkoutDeadlines({ paymentTimeoutMs: 10_000, paymentAttempts: 3, reconcileAfterSeconds: 60 });
    assert.equal(slow.claimStaleSeconds, 90);
    assert.equal(slow.pendingStaleSeconds, 90);
    assert.equal(slow.giveUpAfterMs, 30_000);
    assert.equal(checkoutDeadlines({ paymentTimeoutMs: 5_000, paymentAttempts: 2, reconcileAfterSeconds: 20 }).giveUpAfterMs, 10_000);
  });
});
