/**
 * The shop's API, called by its page: a thin proxy to order that keeps order's answers (status and JSON
 * body) as they are, plus a product search and a status probe that says which dependency is down.
 */
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, identifier, validationError } from '@tracecart/http';
import type { OrderClient } from './order-client';

export interface ShopDeps {
  order: OrderClient;
  /** Jaeger's query API, probed by `GET /api/status`. */
  jaegerQueryUrl: string;
}

interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

const searchSchema = z.object({
  q: z
    .string()
    .max(64)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters')
    .default(''),
  limit: z.coerce.number().int().min(1).max(100).default(24),
});

const orderId = z.uuid();
const idempotencyKey = identifier(128);

/** Products whose name or SKU holds every word of the query, in catalogue order. */
export function searchProducts(products: Product[], query: string, limit: number): Product[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = words.length
    ? products.filter((product) => {
        const text = `${product.name} ${product.sku}`.toLowerCase();
        return words.every((word) => text.includes(word));
      })
    : products;
  return matches.slice(0, limit);
}

/** Passes order's error answer on (4xx stay the browser's problem to show); anything odd is a 502. */
function unexpected(status: number, body: unknown): never {
  const message = (body as { message?: unknown })?.message;
  throw new HttpError(502, 'order_bad_answer', `the order service answered ${status}${typeof message === 'string' ? `: ${message}` : ''}`);
}

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export function shopRoutes({ order, jaegerQueryUrl }: ShopDeps): Router {
  const router = Router();

  router.get('/api/products', async (request, response) => {
    const query = searchSchema.safeParse(request.query);
    if (!query.success) throw validationError(query.error);
    const answer = await order.get('/products');
    if (answer.status !== 200) return void response.status(answer.status).json(answer.body);
    if (!Array.isArray(answer.body)) unexpected(answer.status, answer.body);
    response.json(searchProducts(answer.body as Product[], query.data.q, query.data.limit));
  });

  router.get('/api/customers', async (_request, response) => {
    const answer = await order.get('/customers?limit=50');
    if (answer.status !== 200) return void response.status(answer.status).json(answer.body);
    if (!Array.isArray(answer.body)) unexpected(answer.status, answer.body);
    // The picker shows names; e-mail addresses stay out of the browser.
    response.json((answer.body as Array<{ id: string; name: string }>).map(({ id, name }) => ({ id, name })));
  });

  router.post('/api/checkout', async (request, response) => {
    const key = request.get('idempotency-key');
    if (key !== undefined && !idempotencyKey.safeParse(key).success) {
      throw new HttpError(400, 'invalid_request', 'Idempotency-Key: 1 to 128 printable characters', { field: 'Idempotency-Key' });
    }
    const answer = await order.post('/checkout', request.body ?? {}, key ? { 'idempotency-key': key } : {});
    if (answer.traceresponse) response.setHeader('traceresponse', answer.traceresponse);
    response.status(answer.status).json(answer.body);
  });

  router.get('/api/orders/:id', async (request, response) => {
    const id = String(request.params.id);
    if (!orderId.safeParse(id).success) throw new HttpError(400, 'invalid_request', 'id: Invalid UUID', { field: 'id' });
    const answer = await order.get(`/orders/${id}`);
    response.status(answer.status).json(answer.body);
  });

  // What the page needs to say when something is down: order (no shopping) and Jaeger (no traces to view).
  router.get('/api/status', async (_request, response) => {
    const [orderUp, jaegerUp] = await Promise.all([
      order.get('/readyz').then(
        (answer) => answer.status === 200,
        () => false,
      ),
      reachable(new URL('/api/services', jaegerQueryUrl).href),
    ]);
    response.json({ order: orderUp ? 'up' : 'down', jaeger: jaegerUp ? 'up' : 'down' });
  });

  return router;
}
