/** What the console leaves out while a hunt exercise runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis, Comparison } from '@tracecart/report';
import { pathologies } from '@tracecart/lab-catalogue';
import type { ScenarioState } from '@tracecart/stack-client';
import { exerciseLocked, gateStates, hideComparison, hideRun } from './exercise-gate';

const states = (enabled: boolean | null, problem?: string): ScenarioState[] =>
  pathologies.map((entry) => ({ name: entry.name, service: entry.service, title: entry.title, fixCommand: '', enabled, problem }));

/** The parts of an analysis the gate touches, as the report fills them when it names n-plus-one. */
const diagnosed = {
  criticalPath: [{ service: 'order-service', operation: 'checkout.load_cart', label: 'checkout.load_cart', p50SharePct: 40 }],
  findings: [
    { signature: 'n-plus-one', pathology: 'n-plus-one', label: 'checkout.load_cart', evidence: '40 queries, one after the other' },
  ],
  pathologies: ['n-plus-one'],
  culprit: {
    kind: 'pattern',
    signature: 'n-plus-one',
    label: 'checkout.load_cart',
    pathology: { name: 'n-plus-one', title: pathologies[1]!.title },
  },
  checkoutLatencyMs: { count: 10, p50: 120, p95: 300, max: 310, mean: 150 },
} as unknown as Analysis;

describe('exercise gate', () => {
  it('locks only when a service refused to show its switches (401/403), not when one is down', () => {
    assert.equal(exerciseLocked(states(true)), false);
    assert.equal(exerciseLocked(states(null, 'cannot reach order-service at http://localhost:8080 (fetch failed)')), false);
    assert.equal(exerciseLocked(states(null, 'payment-service answered 401: a hunt exercise is running')), true);
    assert.equal(exerciseLocked(states(null, 'payment-service answered 403: wrong scenario token')), true);
    const gated = gateStates(states(null, 'order-service answered 401: a hunt exercise is running'));
    assert.ok(gated.every((entry) => entry.exercise && entry.enabled === null && /hunt exercise is running/.test(entry.problem ?? '')));
    assert.ok(gateStates(states(false)).every((entry) => !entry.exercise && entry.enabled === false));
  });

  it('a hidden run shows neither its switches nor the diagnosis; the measurements stay', () => {
    const run = { id: 'r', scenarios: [{ name: 'n-plus-one' as const, enabled: true }], analysis: diagnosed };
    const hidden = hideRun(run);
    assert.equal(hidden.hidden, true);
    assert.deepEqual(hidden.scenarios, [{ name: 'n-plus-one', enabled: null }]);
    const text = JSON.stringify(hidden);
    assert.ok(!/n-plus-one"|load_cart: |one after the other/.test(text.replace('"name":"n-plus-one"', '')), text);
    assert.deepEqual(hidden.analysis?.findings, []);
    assert.deepEqual(hidden.analysis?.pathologies, []);
    assert.equal(hidden.analysis?.culprit, null);
    assert.deepEqual(hidden.analysis?.criticalPath, diagnosed.criticalPath);
    assert.deepEqual(hidden.analysis?.checkoutLatencyMs, diagnosed.checkoutLatencyMs);
    assert.deepEqual(run.analysis.pathologies, ['n-plus-one'], 'the stored run is left as it was');
  });

  it('a hidden Compare names no pathology and no culprit', () => {
    const comparison = {
      pathologies: { before: ['n-plus-one'], after: [] },
      culprit: { before: 'order-service checkout.load_cart (n-plus-one)', after: 'payment-service POST /payments' },
      criticalPath: [],
    } as unknown as Comparison;
    const hidden = hideComparison(comparison);
    assert.deepEqual(hidden.pathologies, { before: [], after: [] });
    assert.deepEqual(hidden.culprit, { before: null, after: null });
  });
});
