/**
 * Creating a shipment for a paid order: reserve carrier capacity, get the carrier's rate quote (a call
 * to the carrier's API, a third party), price and write the shipment and its `shipment.created` outbox
 * event. Idempotent per order: a redelivered order.paid changes nothing.
 *
 * lock-contention ON: the carrier's row is locked with SELECT ... FOR UPDATE first, and held while
 * shipping waits on the carrier's rate quote and writes the shipment, so parallel messages for the same
 * (hot) carrier wait in line behind one another's quotes. OFF (the fix): the quote comes first, with no
 * transaction open; then one short transaction writes the shipment and reserves capacity with an atomic
 * UPDATE ... RETURNING as its last statement, holding the row only until its commit.
 * The carrier's recent volume (a surcharge on the quote) is counted once per few seconds per carrier.
 */
import { randomUUID } from 'node:crypto';
import { enqueueEvent, routingKeys } from '@tracecart/messaging';
import type { PartnersClient } from '@tracecart/partners/client';
import { withTransaction, type Pool, type PoolClient } from '@tracecart/postgres';
import { annotate, inSpan } from '@tracecart/telemetry';
import { chooseCarrier, shippingPrice, trackingNumber, type Carrier } from './carrier-choice';
import { addReservation, findShipmentByOrder, insertShipment, lockCarrier, recentVolume, reserveSlot } from './shipments-repo';

/** How long a carrier's 24-hour volume is reused for pricing. */
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

/** The shipment's price: the carrier's quoted rate plus the volume surcharge. */
async function priceShipment(pool: Pool, partners: PartnersClient, carrier: Carrier, orderId: string): Promise<number> {
  const [quote, volume] = await Promise.all([partners.quoteRate(carrier.code, orderId), cachedRecentVolume(pool, carrier.id)]);
  return shippingPrice(volume, quote.amount);
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

export interface ShipmentDeps {
  pool: Pool;
  partners: PartnersClient;
  carriers: readonly Carrier[];
}

export async function createShipment(
  { pool, partners, carriers }: ShipmentDeps,
  order: PaidOrder,
  lockContention: boolean,
): Promise<ShipmentOutcome> {
  const existing = await findShipmentByOrder(pool, order.orderId);
  if (existing) return { created: false, shipmentId: existing.id };
  const carrier = chooseCarrier(order.orderId, carriers);
  const shipmentId = randomUUID();
  const tracking = trackingNumber(carrier.code, shipmentId);
  annotate({ 'app.order.id': order.orderId, 'app.shipment.carrier': carrier.code });
  const write = (db: PoolClient, price: number) =>
    insertShipment(db, { id: shipmentId, orderId: order.orderId, carrierId: carrier.id, trackingNumber: tracking, price });
  const announce = (db: PoolClient) =>
    enqueueEvent(db, routingKeys.shipmentCreated, { orderId: order.orderId, shipmentId, carrier: carrier.code, trackingNumber: tracking });

  return inSpan('shipping.reserve_and_create', { 'app.shipment.carrier': carrier.code }, async () => {
    const created = lockContention
      ? await withTransaction(pool, async (db) => {
          const row = await lockCarrier(db, carrier.id);
          if (row.reserved >= row.capacity) throw new CarrierFullError(carrier.code);
          // The pathology: the carrier's row stays locked while its API answers.
          const price = await priceShipment(pool, partners, carrier, order.orderId);
          if (!(await write(db, price))) return false;
          await addReservation(db, carrier.id, 1);
          await announce(db);
          return true;
        })
      : await (async () => {
          // The fix: the quote first, with nothing locked and no transaction open...
          const price = await priceShipment(pool, partners, carrier, order.orderId);
          // ...then one short transaction. The slot is reserved in the shipment's own transaction, as
          // its last statement: an attempt that fails half-way rolls its reservation back with it, and
          // the carrier row is held only until the commit.
          return withTransaction(pool, async (db) => {
            if (!(await write(db, price))) return false; // a duplicate message raced us to the insert: it reserved the slot
            await announce(db);
            if (!(await reserveSlot(db, carrier.id))) throw new CarrierFullError(carrier.code);
            return true;
          });
        })();
    if (created) return { created: true, shipmentId };
    const winner = await findShipmentByOrder(pool, order.orderId);
    return { created: false, shipmentId: winner?.id ?? shipmentId };
  });
}
