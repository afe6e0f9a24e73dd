import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutOfStockError, UnknownSkuError, mergeLines, priceCart, toCents, type Product } from './pricing';

const catalogue = new Map<string, Product>([
  ['SKU-1', { id: 1, sku: 'SKU-1', name: 'Mug', price: 12.99, stock: 10 }],
  ['SKU-2', { id: 2, sku: 'SKU-2', name: 'Cap', price: 0.1, stock: 3 }],
  ['SKU-3', { id: 3, sku: 'SKU-3', name: 'Tee', price: 19.95, stock: 0 }],
]);

describe('mergeLines', () => {
  it('adds up repeated SKUs and keeps first-seen order', () => {
    assert.deepEqual(
      mergeLines([
        { sku: 'SKU-2', quantity: 1 },
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 2 },
      ]),
      [
        { sku: 'SKU-2', quantity: 3 },
        { sku: 'SKU-1', quantity: 2 },
      ],
    );
  });
});

describe('priceCart', () => {
  it('prices in whole cents, so 3 x 0.10 is exactly 0.30', () => {
    const cart = priceCart([{ sku: 'SKU-2', quantity: 3 }], catalogue);
    assert.equal(cart.total, 0.3);
  });

  it('numbers lines from 1 and carries product ids and unit prices', () => {
    const cart = priceCart(
      [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1 },
      ],
      catalogue,
    );
    assert.deepEqual(cart.lines, [
      { line: 1, productId: 1, sku: 'SKU-1', quantity: 2, unitPrice: 12.99 },
      { line: 2, productId: 2, sku: 'SKU-2', quantity: 1, unitPrice: 0.1 },
    ]);
    assert.equal(cart.total, (2 * 1299 + 10) / 100);
  });

  it('rejects an unknown SKU, naming it', () => {
    assert.throws(
      () => priceCart([{ sku: 'NOPE', quantity: 1 }], catalogue),
      (error: unknown) => {
        assert.ok(error instanceof UnknownSkuError);
        assert.equal(error.sku, 'NOPE');
        return true;
      },
    );
  });

  it('rejects a line with more than the stock', () => {
    assert.throws(() => priceCart([{ sku: 'SKU-2', quantity: 4 }], catalogue), OutOfStockError);
    assert.throws(() => priceCart([{ sku: 'SKU-3', quantity: 1 }], catalogue), OutOfStockError);
  });
});

describe('toCents', () => {
  it('rounds floating point noise away', () => {
    assert.equal(toCents(0.1 + 0.2), 30);
    assert.equal(toCents(19.999), 2000);
  });
});
