/** Pure cart arithmetic: merging repeated lines and pricing in whole cents. */
import type { CartItem } from './checkout-request';

export interface Product {
  id: number;
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export interface PricedLine {
  line: number;
  productId: number;
  sku: string;
  quantity: number;
  unitPrice: number;
}

export interface PricedCart {
  lines: PricedLine[];
  total: number;
}

/** One line per SKU, quantities added, in the order SKUs first appear. */
export function mergeLines(items: readonly CartItem[]): CartItem[] {
  const merged = new Map<string, number>();
  for (const { sku, quantity } of items) merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export class UnknownSkuError extends Error {
  constructor(readonly sku: string) {
    super(`unknown sku ${sku}`);
    this.name = 'UnknownSkuError';
  }
}

export class OutOfStockError extends Error {
  constructor(
    readonly sku: string,
    readonly available: number,
  ) {
    super(`not enough stock for ${sku}: ${available} left`);
    this.name = 'OutOfStockError';
  }
}

/** Prices merged lines against the loaded products; throws for an unknown SKU or short stock. */
export function priceCart(lines: readonly CartItem[], products: ReadonlyMap<string, Product>): PricedCart {
  let totalCents = 0;
  const priced = lines.map(({ sku, quantity }, index) => {
    const product = products.get(sku);
    if (!product) throw new UnknownSkuError(sku);
    if (product.stock < quantity) throw new OutOfStockError(sku, product.stock);
    totalCents += toCents(product.price) * quantity;
    return { line: index + 1, productId: product.id, sku, quantity, unitPrice: product.price };
  });
  return { lines: priced, total: totalCents / 100 };
}
