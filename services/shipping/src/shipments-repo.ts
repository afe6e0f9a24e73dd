/** Carriers and shipments. Parameterised SQL only. */
import type { Queryable } from '@tracecart/postgres';
import type { Carrier } from './carrier-choice';

export async function listCarriers(db: Queryable): Promise<Carrier[]> {
  const { rows } = await db.query<Carrier>('SELECT id, code, weight FROM carriers ORDER BY id');
  return rows;
}

/** The pathology's first step: lock the carrier's row until the transaction ends. */
export async function lockCarrier(db: Queryable, carrierId: number): Promise<{ capacity: number; reserved: number }> {
  const { rows } = await db.query<{ capacity: number; reserved: number }>(
    'SELECT capacity, reserved FROM carriers WHERE id = $1 FOR UPDATE',
    [carrierId],
  );
  if (!rows[0]) throw new Error(`carrier ${carrierId} not found`);
  return rows[0];
}

export async function addReservation(db: Queryable, carrierId: number, delta: 1 | -1): Promise<void> {
  await db.query('UPDATE carriers SET reserved = reserved + $2 WHERE id = $1', [carrierId, delta]);
}

/** The fix: one short atomic statement; false when the carrier is full. */
export async function reserveSlot(db: Queryable, carrierId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE carriers SET reserved = reserved + 1 WHERE id = $1 AND reserved < capacity RETURNING reserved',
    [carrierId],
  );
  return rowCount === 1;
}

/** How many shipments the carrier took in the last 24 hours (prices the shipment). */
export async function recentVolume(db: Queryable, carrierId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM shipments WHERE carrier_id = $1 AND created_at > now() - interval '24 hours'",
    [carrierId],
  );
  return rows[0]?.n ?? 0;
}

export interface Shipment {
  id: string;
  orderId: string;
  carrierId: number;
  carrierCode: string;
  trackingNumber: string;
  price: number;
  createdAt: string;
}

/** Creates the order's shipment unless it exists: undefined means a duplicate message. */
export async function insertShipment(
  db: Queryable,
  shipment: { id: string; orderId: string; carrierId: number; trackingNumber: string; price: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO shipments (id, order_id, carrier_id, tracking_number, price) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (order_id) DO NOTHING`,
    [shipment.id, shipment.orderId, shipment.carrierId, shipment.trackingNumber, shipment.price],
  );
  return rowCount === 1;
}

export async function findShipmentByOrder(db: Queryable, orderId: string): Promise<Shipment | undefined> {
  const { rows } = await db.query<{
    id: string;
    order_id: string;
    carrier_id: number;
    code: string;
    tracking_number: string;
    price: number;
    created_at: Date;
  }>(
    `SELECT s.id, s.order_id, s.carrier_id, c.code, s.tracking_number, s.price, s.created_at
       FROM shipments s JOIN carriers c ON c.id = s.carrier_id WHERE s.order_id = $1`,
    [orderId],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      orderId: row.order_id,
      carrierId: row.carrier_id,
      carrierCode: row.code,
      trackingNumber: row.tracking_number,
      price: row.price,
      createdAt: row.created_at.toISOString(),
    }
  );
}
