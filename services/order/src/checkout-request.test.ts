import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkoutRequestSchema } from './checkout-request';

const valid = {
  customerId: 'cust-00042',
  items: [{ sku: 'SKU-00001', quantity: 2 }],
  payment: { method: 'card', token: 'tok_visa' },
};

function firstField(body: unknown): string {
  const result = checkoutRequestSchema.safeParse(body);
  assert.equal(result.success, false, 'expected the body to be rejected');
  return result.error.issues[0]!.path.join('.');
}

describe('checkout request validation', () => {
  it('accepts the contract body', () => {
    assert.deepEqual(checkoutRequestSchema.parse(valid), valid);
  });

  it('names the offending field', () => {
    assert.equal(firstField({ ...valid, customerId: '' }), 'customerId');
    assert.equal(firstField({ ...valid, items: [] }), 'items');
    assert.equal(firstField({ ...valid, items: [{ sku: 'SKU-1', quantity: 0 }] }), 'items.0.quantity');
    assert.equal(firstField({ ...valid, items: [{ sku: 'SKU-1', quantity: 1.5 }] }), 'items.0.quantity');
    assert.equal(firstField({ ...valid, items: [{ sku: 'SKU-1', quantity: '2' }] }), 'items.0.quantity');
    assert.equal(firstField({ ...valid, payment: { method: 'cash', token: 'tok_visa' } }), 'payment.method');
    assert.equal(firstField({ ...valid, payment: { method: 'card', token: '4111111111111111' } }), 'payment.token');
  });

  it('refuses text the database cannot store: control characters and lone surrogates', () => {
    assert.equal(firstField({ ...valid, customerId: 'cust-\u0000' }), 'customerId');
    assert.equal(firstField({ ...valid, items: [{ sku: '\ud800', quantity: 1 }] }), 'items.0.sku');
    assert.equal(checkoutRequestSchema.safeParse({ ...valid, customerId: 'cust-😀' }).success, true, 'a paired surrogate is fine');
  });

  it('refuses unknown fields instead of ignoring them', () => {
    const result = checkoutRequestSchema.safeParse({ ...valid, discount: 100 });
    assert.equal(result.success, false);
  });

  it('bounds the cart size', () => {
    const items = Array.from({ length: 51 }, (_, index) => ({ sku: `SKU-${index}`, quantity: 1 }));
    assert.equal(firstField({ ...valid, items }), 'items');
  });
});
