/** Fetches the real products and customers from the order service before a run. */
import type { Customer, Product } from './cart';
import type { HttpClient, HttpResult } from './http-client';

export interface Catalog {
  products: Product[];
  customers: Customer[];
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

function describe(result: HttpResult): string {
  if (result.kind === 'response') return `HTTP ${result.status}`;
  if (result.kind === 'network') return result.code;
  return 'timeout';
}

function isProduct(value: unknown): value is Product {
  const p = value as Partial<Product> | null;
  return !!p && typeof p.sku === 'string' && p.sku !== '' && typeof p.price === 'number' && typeof p.stock === 'number';
}

function isCustomer(value: unknown): value is Customer {
  const c = value as Partial<Customer> | null;
  return !!c && typeof c.id === 'string' && c.id !== '';
}

async function getList<T>(client: HttpClient, path: string, check: (value: unknown) => value is T, what: string): Promise<T[]> {
  const result = await client.request('GET', path);
  if (result.kind !== 'response' || result.status !== 200) {
    throw new CatalogError(`GET ${path} failed: ${describe(result)}`);
  }
  if (!Array.isArray(result.body)) throw new CatalogError(`GET ${path}: expected a JSON array of ${what}`);
  const items = result.body.filter(check);
  if (items.length === 0) throw new CatalogError(`GET ${path}: no ${what} (is the database seeded?)`);
  return items;
}

export async function fetchCatalog(client: HttpClient, customerLimit: number): Promise<Catalog> {
  const [products, customers] = await Promise.all([
    getList(client, '/products', isProduct, 'products'),
    getList(client, `/customers?limit=${customerLimit}`, isCustomer, 'customers'),
  ]);
  return { products, customers };
}
