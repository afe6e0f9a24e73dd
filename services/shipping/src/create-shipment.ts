/**
 * Creating a shipment for a paid order: reserve carrier capacity, price it, write the shipment and its
 * `shipment.created` outbox event. Idempotent per order: a redelivered order.paid changes nothing.
 *
 * lock-contention ON: the carrier's row is locked with SELECT ... FOR UPDATE and held across pricing
 * and writing, so parallel messages for the same (hot) carrier wait in line. OFF: the shipment is
 * priced without any lock and written, and a short atomic UPDATE ... RETURNING reserves capacity as the
 * last statement of the same transaction, holding the row only until its commit.
 * The carrier's recent volume (which prices the shipment) is counted once per few seconds on that path.
 */
import { randomUUID } from 'node:crypto';
import { enqueueEvent, routingKeys } from '@tracecart/messaging';
import { withTransaction, type Pool } from '@tracecart/postgres';
import { scenarioAttribute } from '@tracecart/scenarios';
import { annotate, inSpan } from '@tracecart/telemetry';
import { chooseCarrier, shippingPrice, trackingNumber, type Carrier } from './carrier-choice';
import {
  addReservation,
  findShipmentByOrder,
  insertShipment,
  lockCarrier,
  recentVolume,
  reserveSlot,
} from './shipments-repo';

/** How long the fix path reuses a carrier's 24-hour volume for pricing. */
export const VOLUME_CACHE_MS = 5_000;

const volumes = new Map<number, { at: number; count: Promise<number> }>();

/**
 * The carrier's last-24-hours volume, counted at most once per VOLUME_CACHE_MS per carrier (concurrent
 * callers share one count). The surcharge follows a day of volume, so a few seconds' staleness changes no
 * price by a cent; counting it for every shipment made that aggregate most of the stack's database time.
 */
function cachedRecentVolume(pool: Pool, carrierId: number): Promise<number> {
  const cached = volumes.get(carrierId);
  if (cached && Date.now() - cached.at < VOLUME_CACHE_MS) return cached.count;
  const count = recentVolume(pool, carrierId);
  volumes.set(carrierId, { at: Date.now(), count });
  count.catch(() => volumes.delete(carrierId));
  return count;
}

export class CarrierFullError extends Error {
  constructor(code: string) {
    super(`carrier ${code} has no capacity left`);
    this.name = 'CarrierFullError';
  }
}

export interface PaidOrder {
  orderId: string;
  customerId: string;
}

export type ShipmentOutcome = { created: true; shipmentId: string } | { created: false; shipmentId: string };

export async function createShipment(
  pool: Pool,
  carriers: readonly Carrier[],
  order: PaidOrder,
  lockContention: boolean,
): Promise<ShipmentOutcome> {
  const existing = await findShipmentByOrder(pool, order.orderId);
  if (existing) return { created: false, shipmentId: existing.id };
  const carrier = chooseCarrier(order.orderId, carriers);
  const shipmentId = randomUUID();
  const tracking = trackingNumber(carrier.code, shipmentId);
  annotate({ 'app.order.id': order.orderId, 'app.shipment.carrier': carrier.code });

  return inSpan('shipping.reserve_and_create', { 'app.shipment.carrier': carrier.code }, async (span) => {
    if (lockContention) span.setAttribute(scenarioAttribute('lock-contention'), true);
    const created = lockContention
      ? await withTransaction(pool, async (db) => {
          const row = await lockCarrier(db, carrier.id);
          if (row.reserved >= row.capacity) throw new CarrierFullError(carrier.code);
          const price = shippingPrice(await recentVolume(db, carrier.id));
          const inserted = await insertShipment(db, { id: shipmentId, orderId: order.orderId, carrierId: carrier.id, trackingNumber: tracking, price });
          if (!inserted) return false;
          await addReservation(db, carrier.id, 1);
          await enqueueEvent(db, routingKeys.shipmentCreated, { orderId: order.orderId, shipmentId, carrier: carrier.code, trackingNumber: tracking });
          return true;
        })
      : await (async () => {
          const price = shippingPrice(await cachedRecentVolume(pool, carrier.id));
          // The slot is reserved in the shipment's own transaction, as its last statement: an attempt
          // that fails or dies half-way rolls its reservation back with it (a separate, committed
          // reservation leaked one slot per failed attempt), and the carrier row stays locked only
          // until the commit, never across the pricing query.
          return withTransaction(pool, async (db) => {
            const ok = await insertShipment(db, { id: shipmentId, orderId: order.orderId, carrierId: carrier.id, trackingNumber: tracking, price });
            if (!ok) return false; // a duplicate message raced us to the insert: it reserved the slot
            await enqueueEvent(db, routingKeys.shipmentCreated, { orderId: order.orderId, shipmentId, carrier: carrier.code, trackingNumber: tracking });
            // Last, so the carrier row is held only until the commit that follows.
            if (!(await reserveSlot(db, carrier.id))) throw new CarrierFullError(carrier.code);
            return true;
          });
        })();
    if (created) return { created: true, shipmentId };
    const winner = await findShipmentByOrder(pool, order.orderId);
    return { created: false, shipmentId: winner?.id ?? shipmentId };
  });
}
