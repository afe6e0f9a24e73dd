import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAUD_BURST_EVERY, SEEDED_SKUS, isFraudBurstCustomer, seededCart, seededCustomer } from './carts';

describe('seeded carts', () => {
  it('never use the fraud check’s burst customers (every 97th), and give each line its own SKU', () => {
    for (let sequence = 0; sequence < 5_000; sequence += 1) {
      const customer = seededCustomer(sequence);
      assert.match(customer, /^cust-\d{5}$/);
      assert.notEqual(Number(customer.slice(5)) % 97, 0);
      assert.equal(isFraudBurstCustomer(customer), false);
    }
    const skus = seededCart(123, 20).items.map((item) => item.sku);
    assert.equal(new Set(skus).size, 20);
    assert.ok(skus.every((sku) => /^SKU-\d{5}$/.test(sku) && Number(sku.slice(4)) >= 1 && Number(sku.slice(4)) <= SEEDED_SKUS));
  });

  it('recognise the burst customers the payment seed creates (generate_series(97, 10000, 97))', () => {
    assert.equal(FRAUD_BURST_EVERY, 97);
    assert.equal(isFraudBurstCustomer('cust-00097'), true);
    assert.equal(isFraudBurstCustomer('cust-09991'), true);
    assert.equal(isFraudBurstCustomer('cust-00098'), false);
  });

  it('keep the token and the quantities asked for, within the seeded SKU range at every length', () => {
    const cart = seededCart(7, 3, { token: 'tok_chargeDeclined', quantity: (index) => 1 + index, customerId: 'cust-00001' });
    assert.deepEqual(cart.payment, { method: 'card', token: 'tok_chargeDeclined' });
    assert.equal(cart.customerId, 'cust-00001');
    assert.deepEqual(
      cart.items.map((item) => item.quantity),
      [1, 2, 3],
    );
    for (let sequence = 0; sequence < 2_000; sequence += 1) {
      const last = seededCart(sequence, 50).items.at(-1)!;
      assert.ok(Number(last.sku.slice(4)) <= SEEDED_SKUS, last.sku);
    }
  });
});
