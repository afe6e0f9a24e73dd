/**
 * The risk score, both ways (event-loop-block on: the table rebuilt per request; off: the precomputed
 * table), against a reference written here another way: the rule walk in BigInt uint32 arithmetic for the
 * token's one range, and the card range from the fingerprint's hex digits. A wrong table (other sizes,
 * rounds or seed), a cache that serves a stale or altered table, or a wrong range lookup fails it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildRiskTable, cardRange, RISK_RANGES, RISK_ROUNDS, riskScore, riskTable } from './risk-score';

const UINT32 = (1n << 32n) - 1n;

/** One range's weight: xorshift32 from seed (range + 1) * 2654435761, averaged over `rounds` steps. */
function referenceWeight(range: number, rounds: number): number {
  let state = (BigInt(range + 1) * 2654435761n) & UINT32;
  let weight = 0;
  for (let round = 0; round < rounds; round += 1) {
    state ^= (state << 13n) & UINT32;
    state ^= state >> 17n;
    state ^= (state << 5n) & UINT32;
    weight += Number(state) / 4294967296;
  }
  return weight / rounds;
}

/** The token's range: the first 12 bits of its SHA-256, read from the hex digest. */
function referenceRange(token: string, ranges: number): number {
  return Number.parseInt(createHash('sha256').update(token).digest('hex').slice(0, 4), 16) % ranges;
}

const referenceScore = (token: string) => Math.round(referenceWeight(referenceRange(token, RISK_RANGES), RISK_ROUNDS) * 1000) / 1000;

const tokens = ['tok_visa', 'tok_mastercard', 'tok_amex', 'tok_chargeDeclined', 'tok_0000'];

describe('risk score', () => {
  it('maps a token to the range its fingerprint names', () => {
    for (const token of tokens) {
      assert.equal(cardRange(token), referenceRange(token, RISK_RANGES), token);
      assert.equal(cardRange(token, 8), referenceRange(token, 8), token);
    }
    assert.ok(new Set(tokens.map((token) => cardRange(token))).size > 1, 'tokens spread over ranges');
  });

  it("builds each range's weight by the rule walk", () => {
    const table = buildRiskTable(16, 300);
    assert.equal(table.length, 16);
    for (let range = 0; range < 16; range += 1) assert.equal(table[range], referenceWeight(range, 300), `range ${range}`);
  });

  it('scores from the precomputed table (the fix) as the reference does, table built once', () => {
    for (const token of tokens) assert.equal(riskScore(token, false), referenceScore(token), token);
    // The unrounded weights too: a table of other rounds or seeds can round to the same scores.
    for (const token of tokens) {
      const range = referenceRange(token, RISK_RANGES);
      assert.equal(riskTable()[range], referenceWeight(range, RISK_ROUNDS), token);
    }
    assert.equal(riskTable(), riskTable(), 'one table per process');
    assert.equal(riskTable().length, RISK_RANGES);
  });

  it('scores with the table rebuilt per request (the pathology) as the reference does, leaving the precomputed one as it was', () => {
    const before = Float64Array.from(riskTable());
    for (const token of tokens.slice(0, 2)) assert.equal(riskScore(token, true), referenceScore(token), token);
    assert.deepEqual(riskTable(), before);
  });

  it('gives scores between 0 and 1, and not all the same', () => {
    const scores = tokens.map((token) => riskScore(token, false));
    for (const score of scores) assert.ok(score > 0 && score < 1, String(score));
    assert.ok(new Set(tokens.map((token) => referenceWeight(referenceRange(token, RISK_RANGES), RISK_ROUNDS))).size > 1);
  });
});
