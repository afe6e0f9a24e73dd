/** Consumer of `order.paid` (its contract lives in @tracecart/messaging): creates the shipment. */
import type { Logger } from '@tracecart/logger';
import { queues, type Broker, type OutboxRelay } from '@tracecart/messaging';
import type { PartnersClient } from '@tracecart/partners/client';
import { databaseOutage, type Pool } from '@tracecart/postgres';
import { annotate } from '@tracecart/telemetry';
import type { Carrier } from './carrier-choice';
import { createShipment } from './create-shipment';

export interface OrderPaidDeps {
  broker: Broker;
  pool: Pool;
  relay: OutboxRelay;
  logger: Logger;
  carriers: readonly Carrier[];
  partners: PartnersClient;
  lockContention: () => boolean;
}

export async function consumeOrderPaid({ broker, pool, relay, logger, carriers, partners, lockContention }: OrderPaidDeps): Promise<void> {
  await broker.consume(
    queues.shippingOrderPaid,
    async (event) => {
      annotate({ 'app.order.id': event.orderId, 'app.customer.id': event.customerId });
      const outcome = await createShipment({ pool, partners, carriers }, event, lockContention());
      annotate({ 'app.shipment.id': outcome.shipmentId, 'app.shipment.duplicate': !outcome.created });
      if (outcome.created) relay.kick();
      logger.info({ orderId: event.orderId, shipmentId: outcome.shipmentId, created: outcome.created }, 'order.paid handled');
    },
    databaseOutage(pool),
  );
}
