/**
 * Checkout bodies the seeded stack accepts without a catalogue fetch: customers cust-00001 .. cust-10000,
 * SKUs SKU-00001 .. SKU-02000 (the services' seed migrations). Payment's seed gives every 97th customer a
 * burst of 200 recent payments that its fraud check flags, so a body meant to be paid never names one.
 */

export interface CheckoutBody {
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  payment: { method: 'card'; token: string };
}

/** A card token payment authorises, and one it always declines. */
export const APPROVE_TOKEN = 'tok_visa';
export const DECLINE_TOKEN = 'tok_chargeDeclined';

export const SEEDED_CUSTOMERS = 10_000;
export const SEEDED_SKUS = 2_000;
/** Every FRAUD_BURST_EVERY-th seeded customer has the payment history the fraud check flags. */
export const FRAUD_BURST_EVERY = 97;

export function isFraudBurstCustomer(customerId: string): boolean {
  return Number(/^cust-(\d+)$/.exec(customerId)?.[1]) % FRAUD_BURST_EVERY === 0;
}

/** A seeded customer spread over the range by `sequence`, never one of the fraud check's burst customers. */
export function seededCustomer(sequence: number): string {
  let n = 1 + ((sequence * 7_919 + 13) % SEEDED_CUSTOMERS);
  if (n % FRAUD_BURST_EVERY === 0) n += 1;
  return `cust-${String(n).padStart(5, '0')}`;
}

export interface SeededCartOptions {
  /** Card token; APPROVE_TOKEN pays. */
  token?: string;
  /** Quantity of each line by its index (default 1). */
  quantity?: (index: number) => number;
  /** The customer (default seededCustomer(sequence)). */
  customerId?: string;
}

/** `lines` consecutive SKUs (each line its own SKU) starting at a place chosen by `sequence`. */
export function seededCart(sequence: number, lines: number, options: SeededCartOptions = {}): CheckoutBody {
  const first = 1 + ((sequence * 37) % (SEEDED_SKUS - lines));
  const quantity = options.quantity ?? (() => 1);
  return {
    customerId: options.customerId ?? seededCustomer(sequence),
    items: Array.from({ length: lines }, (_, index) => ({
      sku: `SKU-${String(first + index).padStart(5, '0')}`,
      quantity: quantity(index),
    })),
    payment: { method: 'card', token: options.token ?? APPROVE_TOKEN },
  };
}

let sequence = Date.now() % 100_000;

/** The next sequence number of this process (starts from the clock, so two runs use different carts). */
export function nextSequence(count = 1): number {
  const first = sequence;
  sequence += count;
  return first;
}
