/** Consumer of `shipment.created`: marks the order SHIPPED, once, however often the event arrives. */
import { z } from 'zod';
import type { Broker } from '@tracecart/messaging';
import { PoisonMessageError, queues } from '@tracecart/messaging';
import type { Logger } from '@tracecart/logger';
import { waitForDatabase, type Pool } from '@tracecart/postgres';
import { annotate } from '@tracecart/telemetry';
import { markShipped } from './orders-repo';

export const shipmentCreatedSchema = z.object({
  orderId: z.uuid(),
  shipmentId: z.uuid(),
  carrier: z.string().min(1),
  trackingNumber: z.string().min(1),
});

export async function consumeShipmentEvents(broker: Broker, pool: Pool, logger: Logger): Promise<void> {
  await broker.consume(
    queues.orderShipmentCreated,
    async (payload) => {
      const parsed = shipmentCreatedSchema.safeParse(payload);
      if (!parsed.success) throw new PoisonMessageError(`invalid shipment.created: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
      annotate({ 'app.order.id': parsed.data.orderId, 'app.shipment.id': parsed.data.shipmentId });
      const outcome = await markShipped(pool, parsed.data);
      if (outcome === 'missing') throw new PoisonMessageError(`shipment for unknown order ${parsed.data.orderId}`);
      logger.debug({ orderId: parsed.data.orderId, outcome }, 'shipment applied');
    },
    (error) => waitForDatabase(pool, error),
  );
}
