/**
 * Kill drill with replicas: keyed checkouts through HAProxy while one replica of order, then of payment,
 * then of shipping is SIGKILLed and started again. Clients retry a key as the API asks (no answer, 503,
 * 409 request_in_progress), whichever replica answers the retry. Afterwards: no checkout lost, no order
 * authorised twice (read from payment's table, not from the answers), every order final, every key's
 * retries answered with its first order. HAProxy takes each killed replica out of rotation within 2 s.
 * REPLICAS_DRILL_SECONDS (default 3) is the time between kills.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillHooks, reservationDrift, sleep, someBody, sql, stack, startLoad, verifyDrill } from '../faults';
import { haproxyStatus, requireReplicas, switchesOf } from './replicas';

const betweenKillsMs = 1_000 * Number(process.env.REPLICAS_DRILL_SECONDS ?? 3);

describe('replicas SIGKILLed during checkouts', { timeout: 300_000 }, () => {
  drillHooks(async () => {
    requireReplicas();
  });

  it('loses, duplicates and double-authorises nothing when order.2, payment.1 and shipping.2 are killed in turn', async () => {
    const since = new Date(Date.now() - 1_000);
    const driftBefore = await reservationDrift();
    const load = startLoad(4, someBody, { retryForMs: 120_000 });
    const killed = ['order.2', 'payment.1', 'shipping.2'] as const;
    const outOfRotationMs: number[] = [];
    for (const replica of killed) {
      await sleep(betweenKillsMs);
      await stack('kill', replica);
      const [service, slot] = replica.split('.') as ['order' | 'payment' | 'shipping', string];
      const killedAt = Date.now();
      for (;;) {
        // Judged by when HAProxy was asked, not when a busy machine delivered the answer.
        const askedAfter = Date.now() - killedAt;
        const status = await haproxyStatus(service, Number(slot));
        if (status?.startsWith('DOWN')) break;
        assert.ok(askedAfter < 2_000, `${replica} still ${status} in HAProxy ${askedAfter} ms after it was killed`);
        await sleep(50);
      }
      outOfRotationMs.push(Date.now() - killedAt);
      await stack('start', replica);
      // It joined the service's switches (the drill runs with every pathology off), not SCENARIOS_AT_START.
      const switches = await switchesOf(service, Number(slot));
      assert.deepEqual([...switches.values()].filter(Boolean), [], `${replica} came back with the service's switches (all off)`);
    }
    await sleep(betweenKillsMs);
    const outcomes = await load.stop();
    const { figures, problems } = await verifyDrill(outcomes, since, 90_000);
    // Payment's own table: one payment row per order at most, and no order with two authorisations.
    const doubles = await sql<{ order_id: string; n: number }>(
      'payment',
      `SELECT order_id::text, count(*)::int AS n FROM payments WHERE created_at >= $1 AND order_id IS NOT NULL AND status = 'AUTHORIZED'
        GROUP BY order_id HAVING count(*) > 1`,
      [since],
    );
    console.log(
      `[replicas] kill drill (order.2, payment.1, shipping.2 SIGKILLed in turn): ${JSON.stringify({ ...figures, outOfRotationMs })}`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(doubles, [], "no order authorised twice in payment's table");
    assert.equal(figures.lost, 0);
    assert.equal(figures.duplicates, 0);
    assert.ok(figures.checkouts >= 10, `${figures.checkouts} checkouts ran`);
    assert.equal(await reservationDrift(), driftBefore, 'one carrier slot reserved per shipment');
  });
});
