/**
 * The payment history the migrations seed (4,000,000 payments with no order: what the missing-index
 * pathology's sequential scan reads) stays as seeded: reconciled, and never listed to, or voided by, the
 * order service's recovery sweeper, whose reconciliation is for checkouts' authorisations only. (A seed
 * migration once left 2,000,000 of them unreconciled, and the sweeper voided them 200 every 5 s.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from './faults';
import { config, serviceUrl } from './stack';

describe('the seeded payment history', () => {
  it('is all there, reconciled, and none of it voided', async () => {
    const [counts] = await sql<{ seeded: string; unreconciled: string; voided: string }>(
      'payment',
      `SELECT count(*) AS seeded,
              count(*) FILTER (WHERE NOT reconciled) AS unreconciled,
              count(*) FILTER (WHERE status = 'VOIDED') AS voided
         FROM payments WHERE order_id IS NULL`,
    );
    assert.ok(Number(counts!.seeded) >= 4_000_000, `seeded: ${counts!.seeded}`);
    assert.equal(Number(counts!.unreconciled), 0);
    assert.equal(Number(counts!.voided), 0);
  });

  it("is not in payment's list of authorisations to reconcile", async () => {
    // What the sweeper asks (services/payment/src/client.ts), with the services' internal credential.
    const response = await fetch(new URL('/payments/unreconciled?quietSeconds=5', serviceUrl.payment), {
      headers: { 'x-tracecart-internal-token': config.INTERNAL_TOKEN },
    });
    assert.equal(response.status, 200);
    const listed = (await response.json()) as Array<{ orderId: string | null }>;
    assert.ok(Array.isArray(listed));
    assert.deepEqual(
      listed.filter((payment) => !payment.orderId),
      [],
      'every listed authorisation has its order',
    );
  });
});
