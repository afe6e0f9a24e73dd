/** Pure choices: which carrier an order goes to, its price, its tracking number. */
import { createHash } from 'node:crypto';

export interface Carrier {
  id: number;
  code: string;
  weight: number;
}

/** Weighted, deterministic pick by order id: the same order always gets the same carrier. */
export function chooseCarrier(orderId: string, carriers: readonly Carrier[]): Carrier {
  if (carriers.length === 0) throw new Error('no carriers configured');
  const sorted = [...carriers].sort((a, b) => a.id - b.id);
  const totalWeight = sorted.reduce((sum, carrier) => sum + carrier.weight, 0);
  const point = createHash('sha256').update(orderId).digest().readUInt32BE(0) % totalWeight;
  let cumulative = 0;
  for (const carrier of sorted) {
    cumulative += carrier.weight;
    if (point < cumulative) return carrier;
  }
  return sorted[sorted.length - 1]!;
}

/** Base price plus a surcharge that grows with the carrier's last-24-hours volume (capped at +50%). */
export function shippingPrice(recentShipments: number, base = 4.9): number {
  const surcharge = Math.min(recentShipments / 20_000, 0.5);
  return Math.round(base * (1 + surcharge) * 100) / 100;
}

export function trackingNumber(carrierCode: string, shipmentId: string): string {
  return `${carrierCode.slice(0, 3).toUpperCase()}-${shipmentId.replace(/-/g, '').slice(0, 12).toUpperCase()}`;
}
