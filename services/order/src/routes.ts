/** HTTP handlers of the order service, the public edge. */
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, validationError } from '@tracecart/http';
import { auditAfterAnswer, type AuditDecoy } from './audit-decoy';
import { checkout, type CheckoutDeps } from './checkout';
import { checkoutRequestSchema } from './checkout-request';
import { listCustomers, listProducts } from './catalog-repo';
import { isValidKey } from './idempotency-keys-repo';
import { findOrder } from './orders-repo';

const uuid = z.uuid();
const limitSchema = z.coerce.number().int().min(1).max(10_000);

function parseLimit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = limitSchema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, 'invalid_request', 'limit: must be an integer from 1 to 10000', { field: 'limit' });
  return parsed.data;
}

export function orderRoutes(deps: CheckoutDeps & { audit?: AuditDecoy }): Router {
  const router = Router();

  router.post('/checkout', async (request, response) => {
    const parsed = checkoutRequestSchema.safeParse(request.body);
    if (!parsed.success) throw validationError(parsed.error);
    const key = request.get('idempotency-key');
    if (key !== undefined && !isValidKey(key)) {
      throw new HttpError(400, 'invalid_request', 'Idempotency-Key: 1 to 128 printable ASCII characters', { field: 'Idempotency-Key' });
    }
    const answer = await checkout(deps, parsed.data, key);
    if (deps.audit && answer.status === 201 && typeof answer.body.orderId === 'string')
      auditAfterAnswer(deps.audit, response, answer.body.orderId);
    response.status(answer.status).json(answer.body);
  });

  router.get('/orders/:id', async (request, response) => {
    const id = String(request.params.id);
    if (!uuid.safeParse(id).success) throw new HttpError(400, 'invalid_request', 'id: Invalid UUID', { field: 'id' });
    const order = await findOrder(deps.pool, id);
    if (!order) throw new HttpError(404, 'not_found', `no order ${id}`);
    response.json(order);
  });

  router.get('/products', async (request, response) => {
    const limit = parseLimit(request.query.limit, 10_000);
    const products = await listProducts(deps.pool, limit);
    response.json(products.map(({ sku, name, price, stock }) => ({ sku, name, price, stock })));
  });

  // Ids and names only (the shop's picker and the load tools need no more); never e-mail addresses.
  router.get('/customers', async (request, response) => {
    const limit = parseLimit(request.query.limit, 100);
    const customers = await listCustomers(deps.pool, limit);
    response.json(customers.map(({ id, name }) => ({ id, name })));
  });

  return router;
}
