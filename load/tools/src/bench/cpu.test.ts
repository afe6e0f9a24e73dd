import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { components, stackShare, type Component } from './cpu';

function perCheckout(values: Partial<Record<Component, number>>): Record<Component, number> {
  const all = Object.fromEntries([...components, 'bench', 'machine_busy'].map((key) => [key, 0])) as Record<Component, number>;
  return { ...all, ...values };
}

describe('stackShare', () => {
  it('sums every stack component, and counts the load generator apart', () => {
    const share = stackShare(
      perCheckout({ order: 2, postgres: 1.5, prometheus: 0.25, partners: 0.25, bench: 1, machine_busy: 5 }),
      1000,
      10,
      2,
    );
    assert.equal(share.stack_cpu_ms_per_checkout, 4);
    assert.equal(share.load_generator_cpu_ms_per_checkout, 1);
    assert.equal(share.others_cpu_pct, 0);
    assert.equal(share.noisy, false);
  });

  it('marks a run noisy when other processes took more than 10 % of the machine', () => {
    // 1000 checkouts in 10 s on 2 cores = 20,000 ms of machine; others took (8 - 4 - 1) ms x 1000 = 3,000 ms = 15 %.
    const share = stackShare(perCheckout({ order: 4, bench: 1, machine_busy: 8 }), 1000, 10, 2);
    assert.equal(share.others_cpu_pct, 15);
    assert.equal(share.noisy, true);
  });
});
