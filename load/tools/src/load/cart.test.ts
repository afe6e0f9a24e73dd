import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  APPROVE_TOKEN,
  DECLINE_TOKEN,
  cartCatalog,
  lineCountDistribution,
  pickCart,
  pickLineCount,
  seededRandom,
  type Customer,
  type Product,
} from './cart';
import { checkoutProblems } from './fake-order-service';

const products: Product[] = Array.from({ length: 300 }, (_, i) => ({
  sku: `S${i}`,
  name: `P${i}`,
  price: 10 + i,
  stock: i % 3 === 0 ? 0 : 5,
}));
const customers: Customer[] = Array.from({ length: 40 }, (_, i) => ({ id: `c${i}`, name: `C${i}` }));

describe('line-count distribution', () => {
  it('is a cumulative distribution over 1 … maxItems, skewed to small carts', () => {
    for (const max of [1, 2, 5, 20, 50]) {
      const cumulative = lineCountDistribution(max);
      assert.equal(cumulative.length, max);
      assert.equal(cumulative[max - 1], 1);
      const p = cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!));
      for (let i = 1; i < max; i += 1) assert.ok(p[i]! < p[i - 1]!, `P(${i + 1}) < P(${i}) for max ${max}`);
    }
    const twenty = lineCountDistribution(20);
    const mean = twenty.reduce((sum, c, i) => sum + (i + 1) * (c - (i === 0 ? 0 : twenty[i - 1]!)), 0);
    // The figures cart.ts states.
    assert.ok(Math.abs(twenty[0]! - 0.46) < 0.005, `P(1) = ${twenty[0]}`);
    assert.ok(Math.abs(twenty[2]! - 0.71) < 0.005, `P(≤3) = ${twenty[2]}`);
    assert.ok(Math.abs(mean - 3.5) < 0.05, `mean ${mean}`);
  });

  it('maps a uniform draw to the first count whose cumulative probability exceeds it', () => {
    const cumulative = [0.5, 0.8, 1];
    const at = (u: number): number => pickLineCount(() => u, cumulative);
    assert.equal(at(0), 1);
    assert.equal(at(0.4999), 1);
    assert.equal(at(0.5), 2);
    assert.equal(at(0.7999), 2);
    assert.equal(at(0.8), 3);
    assert.equal(at(0.99999), 3);
  });

  it('draws line counts with the planned frequencies', () => {
    const cumulative = lineCountDistribution(20);
    const random = seededRandom(11);
    const n = 50_000;
    const counts = new Array<number>(21).fill(0);
    for (let i = 0; i < n; i += 1) counts[pickLineCount(random, cumulative)]! += 1;
    for (let k = 1; k <= 20; k += 1) {
      const p = cumulative[k - 1]! - (k === 1 ? 0 : cumulative[k - 2]!);
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(counts[k]! - n * p) < 5 * sd + 2, `lines=${k}: ${counts[k]} vs ${n * p}`);
    }
  });
});

describe('pickCart', () => {
  const catalog = cartCatalog(products, customers);
  const lineCounts = lineCountDistribution(20);

  it('keeps only products in stock, and all customers', () => {
    assert.equal(catalog.skus.length, 200);
    assert.ok(catalog.skus.every((sku) => Number(sku.slice(1)) % 3 !== 0));
    assert.equal(catalog.customerIds.length, 40);
    // With nothing in stock it still has something to sell.
    assert.equal(
      cartCatalog(
        products.map((p) => ({ ...p, stock: 0 })),
        customers,
      ).skus.length,
      300,
    );
    assert.throws(() => cartCatalog([], customers), /no products/);
    assert.throws(() => cartCatalog(products, []), /no customers/);
  });

  it('builds bodies that satisfy the checkout contract', () => {
    const random = seededRandom(3);
    const known = { skus: new Set(catalog.skus), customerIds: new Set(catalog.customerIds) };
    let declined = 0;
    let lines = 0;
    const n = 5000;
    const maxLines = new Set<number>();
    for (let i = 0; i < n; i += 1) {
      const cart = pickCart(random, catalog, { lineCounts, declineShare: 0.2 });
      assert.deepEqual(checkoutProblems(cart, known, 20), [], JSON.stringify(cart));
      if (cart.payment.token === DECLINE_TOKEN) declined += 1;
      else assert.equal(cart.payment.token, APPROVE_TOKEN);
      lines += cart.items.length;
      maxLines.add(cart.items.length);
      for (const item of cart.items) assert.ok(item.quantity >= 1 && item.quantity <= 3);
    }
    const sd = Math.sqrt(n * 0.2 * 0.8);
    assert.ok(Math.abs(declined - n * 0.2) < 5 * sd, `declined ${declined} of ${n}`);
    assert.ok(Math.abs(lines / n - 3.5) < 0.2, `mean lines ${lines / n}`);
    assert.ok(maxLines.has(1) && maxLines.has(20), 'both ends of the line-count range occur');
  });

  it('uses every quantity and spreads over customers and products', () => {
    const random = seededRandom(5);
    const quantities = new Set<number>();
    const usedCustomers = new Set<string>();
    const usedSkus = new Set<string>();
    for (let i = 0; i < 3000; i += 1) {
      const cart = pickCart(random, catalog, { lineCounts, declineShare: 0 });
      assert.equal(cart.payment.token, APPROVE_TOKEN);
      usedCustomers.add(cart.customerId);
      for (const item of cart.items) {
        quantities.add(item.quantity);
        usedSkus.add(item.sku);
      }
    }
    assert.deepEqual([...quantities].sort(), [1, 2, 3]);
    assert.equal(usedCustomers.size, 40);
    assert.equal(usedSkus.size, 200);
  });

  it('never asks for more distinct lines than the catalog has', () => {
    const tiny = cartCatalog(products.slice(1, 3), customers);
    const random = seededRandom(9);
    for (let i = 0; i < 200; i += 1) {
      const cart = pickCart(random, tiny, { lineCounts: lineCountDistribution(20), declineShare: 0 });
      assert.ok(cart.items.length >= 1 && cart.items.length <= 2);
      assert.equal(new Set(cart.items.map((item) => item.sku)).size, cart.items.length);
    }
  });

  it('is reproducible from a seed, and different seeds give different carts', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => pickCart(random, catalog, { lineCounts, declineShare: 0.05 }));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('seededRandom stays within [0, 1) and is roughly uniform', () => {
    const random = seededRandom(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const u = random();
      assert.ok(u >= 0 && u < 1);
      buckets[Math.floor(u * 10)]! += 1;
    }
    for (const count of buckets) assert.ok(Math.abs(count - 10_000) < 500, `bucket ${count}`);
  });
});
