/** HTTP handlers of the shipping service (it mostly works from the queue). */
import { Router } from 'express';
import { z } from 'zod';
import { HttpError } from '@tracecart/http';
import type { Pool } from '@tracecart/postgres';
import { findShipmentByOrder } from './shipments-repo';

const uuid = z.uuid();

export function shippingRoutes(pool: Pool): Router {
  const router = Router();
  router.get('/shipments/:orderId', async (request, response) => {
    const orderId = String(request.params.orderId);
    if (!uuid.safeParse(orderId).success) throw new HttpError(400, 'invalid_request', 'orderId: Invalid UUID', { field: 'orderId' });
    const shipment = await findShipmentByOrder(pool, orderId);
    if (!shipment) throw new HttpError(404, 'not_found', `no shipment for order ${orderId}`);
    response.json(shipment);
  });
  return router;
}
