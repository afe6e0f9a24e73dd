/** Consumer of `shipment.created` (its contract lives in @tracecart/messaging): marks the order SHIPPED, once. */
import type { Broker } from '@tracecart/messaging';
import { PoisonMessageError, queues } from '@tracecart/messaging';
import type { Logger } from '@tracecart/logger';
import { databaseOutage, type Pool } from '@tracecart/postgres';
import { annotate } from '@tracecart/telemetry';
import { markShipped } from './orders-repo';

export async function consumeShipmentEvents(broker: Broker, pool: Pool, logger: Logger): Promise<void> {
  await broker.consume(
    queues.orderShipmentCreated,
    async (event) => {
      annotate({ 'app.order.id': event.orderId, 'app.shipment.id': event.shipmentId });
      const outcome = await markShipped(pool, event);
      if (outcome === 'missing') throw new PoisonMessageError(`shipment for unknown order ${event.orderId}`);
      logger.debug({ orderId: event.orderId, outcome }, 'shipment applied');
    },
    databaseOutage(pool),
  );
}
