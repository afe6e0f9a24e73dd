import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchProducts } from './shop-routes';
import { scriptJson } from './pages';

const products = [
  { sku: 'SKU-00001', name: 'T-shirt #1', price: 10, stock: 5 },
  { sku: 'SKU-00002', name: 'Notebook #2', price: 3, stock: 5 },
  { sku: 'SKU-00009', name: 'T-shirt #9', price: 12, stock: 5 },
];

test('search matches every word in name or SKU, case-insensitively, up to the limit', () => {
  assert.deepEqual(
    searchProducts(products, 't-SHIRT', 10).map((p) => p.sku),
    ['SKU-00001', 'SKU-00009'],
  );
  assert.deepEqual(
    searchProducts(products, 'shirt 00009', 10).map((p) => p.sku),
    ['SKU-00009'],
  );
  assert.deepEqual(
    searchProducts(products, '', 2).map((p) => p.sku),
    ['SKU-00001', 'SKU-00002'],
  );
  assert.deepEqual(searchProducts(products, 'hoodie', 10), []);
});

test('settings written into the page cannot close its script element', () => {
  const text = scriptJson({ labUrl: '</script><script>alert(1)</script>' });
  assert.ok(!text.includes('</script>'));
  assert.deepEqual(JSON.parse(text), { labUrl: '</script><script>alert(1)</script>' });
});
