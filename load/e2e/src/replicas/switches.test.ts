/**
 * Switches are the service's, not the process's: a switch flipped once through HAProxy is in effect in
 * every replica (each asked on its own port) within 1 s; a run with one pathology on shows it in every
 * trace, whichever replica served the checkout, and the report names it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byTrace } from '@tracecart/jaeger-client';
import { runCheckoutBurst, traceIdsOf, waitForCheckoutTraces } from '@tracecart/load';
import { analyse, analyseTrace, isSkipped, type AnalysedTrace } from '@tracecart/report';
import { pathologies, pathology, scenarioAttribute } from '@tracecart/lab-catalogue';
import { keepScenarios } from '../faults';
import { config, setAllScenarios, setScenario } from '../stack';
import { instanceIdOf, requireReplicas, slots, switchesOf } from './replicas';

describe('switches with replicas: one flip reaches every replica', { timeout: 300_000 }, () => {
  let restore: () => Promise<void>;
  before(async () => {
    requireReplicas();
    restore = await keepScenarios();
  });
  after(async () => {
    await restore?.();
  });

  it('a switch flipped through HAProxy is in effect in every replica within 1 s, for each pathology both ways', async () => {
    const lags: Record<string, number> = {};
    for (const { name, service } of pathologies) {
      for (const enabled of [false, true]) {
        await setScenario(name, enabled);
        const answered = Date.now();
        for (;;) {
          // Judged by when the question was asked, not when a busy machine delivered the answer.
          const lag = Date.now() - answered;
          const states = await Promise.all(slots().map((slot) => switchesOf(service, slot)));
          if (states.every((state) => state.get(name) === enabled)) break;
          assert.ok(
            lag < 1_000,
            `${name} ${enabled ? 'on' : 'off'}: after ${lag} ms the replicas of ${service} say ${JSON.stringify(states.map((state) => state.get(name)))}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        lags[`${name}:${enabled ? 'on' : 'off'}`] = Date.now() - answered;
      }
    }
    console.log(`[replicas] ms from PUT's answer until every replica agreed: ${JSON.stringify(lags)}`);
  });

  it('n-plus-one on: every trace shows it, whichever order replica served it, and the report names it', async () => {
    await setAllScenarios(false);
    await setScenario('n-plus-one', true);
    const result = await runCheckoutBurst({ orderUrl: config.ORDER_URL, ...pathology('n-plus-one').load });
    const paid = result.outcomes.filter((outcome) => outcome.status === 201).length;
    assert.ok(paid >= result.outcomes.length * 0.9, `only ${paid}/${result.outcomes.length} paid`);
    const spans = await waitForCheckoutTraces(config.JAEGER_QUERY_URL, traceIdsOf(result));
    const traces = [...byTrace(spans).values()]
      .map((traceSpans) => analyseTrace(traceSpans))
      .filter((trace): trace is AnalysedTrace => !isSkipped(trace));
    assert.ok(traces.length >= paid * 0.9, `only ${traces.length} of ${paid} traces in Jaeger`);
    const servedBy = new Set<string>();
    for (const trace of traces) {
      const load = trace.tree.spans.find((span) => span.name === 'checkout.load_cart');
      assert.ok(load, `trace ${trace.traceId} has checkout.load_cart`);
      assert.equal(
        load.attributes[scenarioAttribute('n-plus-one')],
        true,
        `trace ${trace.traceId} (served by ${load.instance}) carries the pathology's label`,
      );
      assert.ok(load.instance, 'order spans carry service.instance.id');
      servedBy.add(load.instance);
    }
    const expected = new Set(slots().map(instanceIdOf));
    assert.deepEqual(
      [...servedBy].filter((id) => !expected.has(id)),
      [],
      `instances are the replicas' (${[...expected].join(', ')})`,
    );
    assert.ok(servedBy.size >= 2, `checkouts served by ${servedBy.size} replica(s): ${[...servedBy].join(', ')}`);
    const analysis = analyse(spans, { jaeger: config.JAEGER_QUERY_URL });
    assert.equal(analysis.pathologies[0], 'n-plus-one', `named: ${analysis.pathologies.join(', ')}`);
  });
});
