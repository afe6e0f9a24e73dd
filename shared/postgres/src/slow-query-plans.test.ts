/** The plan summary of slow-query plans: what `app.db.plan.*` says for a plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarisePlan } from './slow-query-plans';

describe('summarisePlan', () => {
  it('finds the scan under an aggregate', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Aggregate',
          'Plan Rows': 1,
          Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'payments', 'Plan Rows': 33_012 }],
        },
      },
    ];
    assert.deepEqual(summarisePlan(plan), {
      topNode: 'Aggregate',
      scanNode: 'Seq Scan on payments',
      rows: 33_012,
      summary: 'Aggregate <- Seq Scan on payments (rows≈33012)',
    });
  });

  it('names the index of an index scan', () => {
    const plan = [
      { Plan: { 'Node Type': 'Index Scan', 'Relation Name': 'payments', 'Index Name': 'payments_customer_created_idx', 'Plan Rows': 31 } },
    ];
    assert.equal(summarisePlan(plan)?.summary, 'Index Scan using payments_customer_created_idx on payments (rows≈31)');
  });

  it('returns undefined for something that is not a plan', () => {
    assert.equal(summarisePlan({}), undefined);
    assert.equal(summarisePlan(undefined), undefined);
  });
});
