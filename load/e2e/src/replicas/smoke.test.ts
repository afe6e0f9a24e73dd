/**
 * Smoke check of a replicated stack (any STACK_REPLICAS from 2 to 3): every replica answers on its own
 * port, `stack status` lists HAProxy and each replica, and a checkout through HAProxy is one trace whose
 * order, payment and shipping spans each name the replica that served them (service.instance.id).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkoutTraceComplete, waitForCheckoutTraces } from '@tracecart/load';
import { stack } from '../faults';
import { cart, checkout, config, serviceNames } from '../stack';
import { instanceIdOf, replicaUrl, requireReplicas, slots } from './replicas';

describe('replicated stack smoke check', { timeout: 120_000 }, () => {
  it('runs every replica, lists them, and names the serving replica in a checkout trace', async () => {
    const count = requireReplicas();
    for (const service of serviceNames) {
      for (const slot of slots()) {
        const response = await fetch(`${replicaUrl(service, slot)}/readyz`, { signal: AbortSignal.timeout(5_000) });
        assert.equal(response.status, 200, `${service}.${slot} ready on its own port`);
      }
    }
    const status = await stack('status');
    assert.match(status, /haproxy\s+ready/);
    for (const service of serviceNames)
      for (const slot of slots())
        assert.match(status, new RegExp(`${service}\\.${slot}\\s+ready\\s+http://localhost:\\d+ \\(UP in HAProxy\\)`));

    const answer = await checkout(cart(2));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const spans = await waitForCheckoutTraces(config.JAEGER_QUERY_URL, [answer.body.traceId]);
    assert.ok(checkoutTraceComplete(spans));
    const replicas = new Set(slots().map(instanceIdOf));
    for (const service of ['order-service', 'payment-service', 'shipping-service']) {
      const instances = new Set(spans.filter((span) => span.service === service).map((span) => span.instance));
      assert.ok(instances.size >= 1, `${service} has spans`);
      for (const instance of instances)
        assert.ok(instance && replicas.has(instance), `${service} span names a replica: ${instance} (of ${[...replicas].join(', ')})`);
    }
    console.log(
      `[replicas] smoke with ${count} replicas: checkout ${answer.body.orderId} traced across ${new Set(spans.map((span) => `${span.service}@${span.instance}`)).size} processes`,
    );
  });
});
