/** Consumer of `order.paid`: validates the event and creates the shipment. */
import { z } from 'zod';
import type { Logger } from '@tracecart/logger';
import { PoisonMessageError, queues, type Broker, type OutboxRelay } from '@tracecart/messaging';
import { waitForDatabase, type Pool } from '@tracecart/postgres';
import { annotate } from '@tracecart/telemetry';
import type { Carrier } from './carrier-choice';
import { createShipment } from './create-shipment';

export const orderPaidSchema = z.object({
  orderId: z.uuid(),
  customerId: z.string().min(1),
  total: z.number().nonnegative(),
  itemsCount: z.number().int().positive().optional(),
});

export interface OrderPaidDeps {
  broker: Broker;
  pool: Pool;
  relay: OutboxRelay;
  logger: Logger;
  carriers: readonly Carrier[];
  lockContention: () => boolean;
}

export async function consumeOrderPaid({ broker, pool, relay, logger, carriers, lockContention }: OrderPaidDeps): Promise<void> {
  await broker.consume(
    queues.shippingOrderPaid,
    async (payload) => {
      const parsed = orderPaidSchema.safeParse(payload);
      if (!parsed.success) {
        throw new PoisonMessageError(`invalid order.paid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      }
      annotate({ 'app.order.id': parsed.data.orderId, 'app.customer.id': parsed.data.customerId });
      const outcome = await createShipment(pool, carriers, parsed.data, lockContention());
      annotate({ 'app.shipment.id': outcome.shipmentId, 'app.shipment.duplicate': !outcome.created });
      if (outcome.created) relay.kick();
      logger.info({ orderId: parsed.data.orderId, shipmentId: outcome.shipmentId, created: outcome.created }, 'order.paid handled');
    },
    (error) => waitForDatabase(pool, error),
  );
}
