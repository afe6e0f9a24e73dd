/**
 * A replica restarted while another replica of its service runs joins the service's switches and
 * exercise mode; when every replica restarted, the service starts from SCENARIOS_AT_START (on, on this
 * stack) and the exercise mode is over, as it always was for a restarted service.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ensureStackUp, keepScenarios, stack } from '../faults';
import { config, serviceUrl, setScenario } from '../stack';
import { exerciseOf, requireReplicas, slots, switchesOf } from './replicas';

async function exercise(method: 'PUT' | 'DELETE', token: string): Promise<number> {
  const response = await fetch(`${serviceUrl.order}/scenarios/_exercise`, {
    method,
    headers: { authorization: `Bearer ${config.SCENARIO_TOKEN}`, 'content-type': 'application/json' },
    ...(method === 'PUT' ? { body: JSON.stringify({ token, decoys: ['slow-audit'] }) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('replicas restarted: one joins the running state, all restarted start afresh', { timeout: 300_000 }, () => {
  let restore: () => Promise<void>;
  before(async () => {
    requireReplicas();
    assert.equal(process.env.SCENARIOS_AT_START ?? 'on', 'on', 'this test expects the stack to start its switches on');
    restore = await keepScenarios();
  });
  after(async () => {
    await exercise('DELETE', '').catch(() => undefined);
    await ensureStackUp();
    await restore?.();
  });

  it('order.2 restarted while order.1 runs keeps the switches and the exercise; both restarted start from SCENARIOS_AT_START', async () => {
    await setScenario('n-plus-one', false);
    await setScenario('pool-starvation', true);
    const token = randomBytes(16).toString('hex');
    assert.equal(await exercise('PUT', token), 200);

    await stack('restart', 'order.2');
    const joined = await switchesOf('order', 2, token);
    assert.equal(joined.get('n-plus-one'), false, 'order.2 came back with n-plus-one off, as the service has it');
    assert.equal(joined.get('pool-starvation'), true);
    assert.deepEqual(await exerciseOf('order', 2, token), { status: 200, running: true }, 'order.2 joined the running exercise');

    // Every replica of order restarted (none ran in between): SCENARIOS_AT_START, no exercise.
    await stack('stop', 'order');
    await stack('start', 'order');
    for (const slot of slots()) {
      const fresh = await switchesOf('order', slot);
      assert.equal(fresh.get('n-plus-one'), true, `order.${slot}: n-plus-one back to SCENARIOS_AT_START (on)`);
      const mode = await exerciseOf('order', slot, config.SCENARIO_TOKEN);
      assert.deepEqual(mode, { status: 200, running: false }, `order.${slot}: the exercise ended with the service`);
    }
  });
});
