/**
 * Cart and customer picker: builds `POST /checkout` bodies from the real catalog. Pure functions of a
 * random source, so a seed reproduces a run's carts exactly.
 *
 * - lines per cart: 1 … maxItems, P(k) ∝ k^-1.5 (most carts are small, a long tail of big ones; with
 *   maxItems 20, 46% have one line, 71% at most three, and the mean is 3.5),
 * - distinct SKUs within a cart, drawn uniformly from the products that had stock when the run started,
 * - quantity 1 … 3 per line, uniform,
 * - customer uniform over the fetched customers,
 * - payment token `tok_chargeDeclined` (always declined) with probability declineShare, else `tok_visa`.
 *
 * The body's type and the tokens are the stack client's; its seededCart serves the tools that build carts
 * without fetching the catalogue first (bench, burst, the end-to-end tests).
 */
import { APPROVE_TOKEN, DECLINE_TOKEN, type CheckoutBody } from '@tracecart/stack-client';

export interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export interface Customer {
  id: string;
  name: string;
}

export { APPROVE_TOKEN, DECLINE_TOKEN, type CheckoutBody };
export const MAX_QUANTITY = 3;
export const LINE_COUNT_EXPONENT = 1.5;

/** A uniform random source on [0, 1). */
export type Random = () => number;

/** Small, fast seeded generator (mulberry32); Math.random when no seed is given. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative probabilities of 1 … maxItems lines: entry k−1 is P(lines ≤ k). */
export function lineCountDistribution(maxItems: number, exponent = LINE_COUNT_EXPONENT): number[] {
  if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError('maxItems must be a positive integer');
  const weights = Array.from({ length: maxItems }, (_, i) => (i + 1) ** -exponent);
  const sum = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return weights.map((weight, i) => {
    running += weight / sum;
    return i === maxItems - 1 ? 1 : running;
  });
}

/** Draws a line count from a cumulative distribution built by lineCountDistribution. */
export function pickLineCount(random: Random, cumulative: readonly number[]): number {
  const u = random();
  for (let i = 0; i < cumulative.length; i += 1) {
    if (u < cumulative[i]!) return i + 1;
  }
  return cumulative.length;
}

/** Uniform integer in [min, max]. */
export function pickInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export interface CartCatalog {
  skus: readonly string[];
  customerIds: readonly string[];
}

/** Keeps products with stock (all of them if none has any) and the customers' ids. */
export function cartCatalog(products: readonly Product[], customers: readonly Customer[]): CartCatalog {
  if (products.length === 0) throw new Error('the catalog has no products');
  if (customers.length === 0) throw new Error('the catalog has no customers');
  const inStock = products.filter((product) => product.stock > 0);
  return {
    skus: (inStock.length > 0 ? inStock : products).map((product) => product.sku),
    customerIds: customers.map((customer) => customer.id),
  };
}

export interface CartOptions {
  /** Cumulative line-count distribution (lineCountDistribution(maxItems)). */
  lineCounts: readonly number[];
  declineShare: number;
}

export function pickCart(random: Random, catalog: CartCatalog, options: CartOptions): CheckoutBody {
  const lines = Math.min(pickLineCount(random, options.lineCounts), catalog.skus.length);
  const chosen = new Set<string>();
  while (chosen.size < lines) {
    chosen.add(catalog.skus[Math.floor(random() * catalog.skus.length)]!);
  }
  const items = [...chosen].map((sku) => ({ sku, quantity: pickInt(random, 1, MAX_QUANTITY) }));
  const customerId = catalog.customerIds[Math.floor(random() * catalog.customerIds.length)]!;
  const token = random() < options.declineShare ? DECLINE_TOKEN : APPROVE_TOKEN;
  return { customerId, items, payment: { method: 'card', token } };
}
