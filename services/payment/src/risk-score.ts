/**
 * The risk score of a payment: a weight per card range (the first digits of the card token's
 * fingerprint), looked up in a risk table. The table is derived from fixed rules by a CPU-heavy loop.
 *
 * event-loop-block ON: the table is rebuilt synchronously for every payment, on the event loop; while
 * it runs, nothing else in payment-service runs. OFF (the fix): it is built once, when first needed,
 * and every payment only looks its score up.
 */
import { createHash } from 'node:crypto';

/** Card ranges in the table. */
export const RISK_RANGES = 4096;
/** Rounds of the rule loop per range: one rebuild costs about 45 ms of CPU on our quiet 2-core machine (2,000 rounds cost 12 ms, under the report's 20 ms gap floor, so a quiet machine hid the pathology). */
export const RISK_ROUNDS = 7_000;

/** Builds the risk table: deterministic, synchronous, CPU-bound. */
export function buildRiskTable(ranges = RISK_RANGES, rounds = RISK_ROUNDS): Float64Array {
  const table = new Float64Array(ranges);
  for (let range = 0; range < ranges; range += 1) {
    let state = (range + 1) * 2654435761;
    let weight = 0;
    for (let round = 0; round < rounds; round += 1) {
      // xorshift32: the "rules" are a fixed pseudo-random walk per range.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      weight += (state >>> 0) / 4294967296;
    }
    table[range] = weight / rounds;
  }
  return table;
}

let prebuilt: Float64Array | undefined;

/** The precomputed table (the fix): built once per process. */
export function riskTable(): Float64Array {
  prebuilt ??= buildRiskTable();
  return prebuilt;
}

/** The card range of a token: its fingerprint's first 12 bits (the token itself never leaves this function). */
export function cardRange(token: string, ranges = RISK_RANGES): number {
  return createHash('sha256').update(token).digest().readUInt16BE(0) % ranges;
}

/** The payment's risk score, 0 to 1, rounded to 3 decimals. */
export function riskScore(token: string, rebuildOnRequest: boolean): number {
  const table = rebuildOnRequest ? buildRiskTable() : riskTable();
  return Math.round(table[cardRange(token)]! * 1000) / 1000;
}
