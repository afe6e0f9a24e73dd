/**
 * `./scripts/stack restart order` with replicas restarts them one at a time, each drained from HAProxy
 * first: under 2 checkouts a second (twice the quick start's rate, no retries) not one checkout fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptCheckout, drillHooks, stack, type Attempt } from '../faults';
import { cart } from '../stack';
import { replicaPid, requireReplicas, slots } from './replicas';

describe('rolling restart of order behind HAProxy', { timeout: 300_000 }, () => {
  drillHooks(async () => {
    requireReplicas();
  });

  it('answers every checkout of a 2-a-second load while `restart order` replaces each replica', async () => {
    const before = slots().map((slot) => replicaPid('order', slot));
    const answers: Array<Promise<Attempt>> = [];
    let running = true;
    const ticker = (async () => {
      // An open model at twice the quick start's rate: one checkout every 500 ms, whatever the answers take.
      for (let next = Date.now(); running; next += 500) {
        answers.push(attemptCheckout(cart(3), {}, 30_000));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next + 500 - Date.now())));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await stack('restart', 'order');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    running = false;
    await ticker;
    const settled = await Promise.all(answers);
    const after = slots().map((slot) => replicaPid('order', slot));
    const failed = settled.filter((attempt) => attempt.kind !== 'answer' || attempt.status !== 201);
    console.log(`[replicas] rolling restart: ${settled.length} checkouts, ${failed.length} failed`);
    assert.ok(
      after.every((pid, index) => pid !== undefined && pid !== before[index]),
      `every replica is a new process (${before.join(', ')} → ${after.join(', ')})`,
    );
    assert.ok(settled.length >= 10, `${settled.length} checkouts ran during the restart`);
    assert.deepEqual(
      failed.map((attempt) => (attempt.kind === 'answer' ? `${attempt.status} ${attempt.text}` : attempt.error)),
      [],
    );
  });
});
