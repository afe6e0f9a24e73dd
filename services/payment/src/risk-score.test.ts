import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRiskTable, cardRange, riskScore } from './risk-score';

describe('risk score', () => {
  it('gives the same score whether the table is rebuilt or precomputed', () => {
    assert.equal(riskScore('tok_visa', true), riskScore('tok_visa', false));
    const score = riskScore('tok_mastercard', false);
    assert.ok(score > 0 && score < 1, String(score));
  });
  it('builds a deterministic table and maps tokens into its ranges', () => {
    assert.deepEqual(buildRiskTable(8, 10), buildRiskTable(8, 10));
    assert.ok(cardRange('tok_visa', 8) >= 0 && cardRange('tok_visa', 8) < 8);
  });
});
