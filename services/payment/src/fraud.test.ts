import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAUD_LIMITS, judge } from './fraud';

describe('fraud rule', () => {
  it('passes ordinary activity', () => {
    assert.deepEqual(judge({ count: 33, total: 5_000 }, 120), { suspicious: false });
  });

  it('flags too many payments in 30 days', () => {
    const verdict = judge({ count: FRAUD_LIMITS.maxRecentPayments, total: 100 }, 1);
    assert.equal(verdict.suspicious, true);
  });

  it('flags a total over the limit, counting this payment', () => {
    assert.equal(judge({ count: 10, total: FRAUD_LIMITS.maxRecentTotal - 50 }, 49).suspicious, false);
    assert.equal(judge({ count: 10, total: FRAUD_LIMITS.maxRecentTotal - 50 }, 51).suspicious, true);
  });
});
