/** Checkout bodies the stack accepts: seeded customers and SKUs, a card token that authorises. */

let counter = 0;

/** A seeded customer, cust-00001 .. cust-10000, skipping every 97th (their burst history trips the fraud rule). */
export function customerId(): string {
  counter += 1;
  let n = 1 + ((counter * 7_919) % 10_000);
  if (n % 97 === 0) n += 1;
  return `cust-${String(n).padStart(5, '0')}`;
}

/** One to three lines of SKU-00001 .. SKU-02000, quantities 1 to 2; serialised once. */
export function checkoutBody(): string {
  const lines = 1 + Math.floor(Math.random() * 3);
  const start = 1 + Math.floor(Math.random() * (2_000 - lines));
  const items = Array.from({ length: lines }, (_, index) => ({
    sku: `SKU-${String(start + index).padStart(5, '0')}`,
    quantity: 1 + (index % 2),
  }));
  return JSON.stringify({ customerId: customerId(), items, payment: { method: 'card', token: 'tok_visa' } });
}
