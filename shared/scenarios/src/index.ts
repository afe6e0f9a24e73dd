/**
 * The catalogue of deliberate database pathologies. Each is described once, here; the scenario CLI,
 * the report and the README's walkthrough all read these descriptions.
 */
export type PathologyName = 'missing-index' | 'n-plus-one' | 'lock-contention' | 'pool-starvation';
export type OwningService = 'order' | 'payment' | 'shipping';
/** The trace shape by which the report recognises a pathology. */
export type Signature = 'seq-scan' | 'n-plus-one' | 'lock-wait' | 'pool-wait';

export interface Pathology {
  name: PathologyName;
  service: OwningService;
  title: string;
  /** What the problem is, in the database's terms. */
  cause: string;
  /** What it looks like in Jaeger's UI. */
  inJaeger: string;
  /** What the fix does. */
  fix: string;
  signature: Signature;
  /**
   * Where the report finds the signature: the service as traces name it, and the span the pattern shows
   * on or under (the slow query's, the staircase's or the connection wait's enclosing span). With scope
   * `service` the pattern belongs to the pathology wherever it shows in that service (a connection pool
   * is the whole service's); with `span`, only on or under that span.
   */
  foundOn: { service: string; span: string; scope: 'span' | 'service' };
}

export const pathologies: readonly Pathology[] = [
  {
    name: 'missing-index',
    service: 'payment',
    title: 'Fraud check scans every payment',
    cause:
      "The fraud check sums the customer's payments of the last 30 days. payments has no index on (customer_id, created_at), so PostgreSQL reads all of its 1,000,000+ rows for every checkout.",
    inJaeger:
      'payment-service: under `payment.fraud_check`, one wide `SELECT payments` span takes most of POST /payments; its `db.query.plan` event (from the second slow one on) reads "Aggregate <- Seq Scan on payments".',
    fix: 'CREATE INDEX CONCURRENTLY on payments (customer_id, created_at): the scan becomes an index range scan of a few dozen rows.',
    signature: 'seq-scan',
    foundOn: { service: 'payment-service', span: 'payment.fraud_check', scope: 'span' },
  },
  {
    name: 'n-plus-one',
    service: 'order',
    title: 'Cart loaded one query per line item',
    cause:
      'The checkout loads each cart line with its own product query and its own stock query: 2 queries per item, up to 40 round trips for a 20-item cart.',
    inJaeger:
      'order-service: a staircase of short spans under `checkout.load_cart`, one after the other, two per cart item: `SELECT products`, then `SELECT stock`.',
    fix: 'One set-based query (`WHERE sku = ANY($1)` joined with stock) loads the whole cart in one round trip.',
    signature: 'n-plus-one',
    foundOn: { service: 'order-service', span: 'checkout.load_cart', scope: 'span' },
  },
  {
    name: 'lock-contention',
    service: 'shipping',
    title: "Carrier's capacity row locked across the whole shipment",
    cause:
      'Shipping reserves capacity with `SELECT ... FOR UPDATE` on one hot row per carrier and keeps the transaction (and the lock) open while it prices and writes the shipment; parallel messages queue on that row.',
    inJaeger:
      'shipping-service: under concurrent checkouts, the `SELECT carriers FOR UPDATE` span under `shipping.reserve_and_create` of one trace lasts until another trace\'s COMMIT; concurrent traces wait in line on the same carrier. It is asynchronous work: it lengthens checkout-to-shipped, not the HTTP answer.',
    fix: 'A short atomic `UPDATE carriers SET reserved = reserved + 1 ... RETURNING` reserves capacity; the rest of the work runs without holding the row.',
    signature: 'lock-wait',
    foundOn: { service: 'shipping-service', span: 'shipping.reserve_and_create', scope: 'span' },
  },
  {
    name: 'pool-starvation',
    service: 'order',
    title: 'Database connection held across the payment call',
    cause:
      'The checkout keeps its transaction, and so its pooled connection, open while it waits for payment over HTTP, with a pool of only 4 connections: other checkouts queue for a connection.',
    inJaeger:
      'order-service: under concurrent checkouts, long `pg-pool.connect` spans under `checkout`, before its BEGIN, much longer than the queries that follow them.',
    fix: 'Commit the order before calling payment and give the connection back; the pool returns to its configured size.',
    signature: 'pool-wait',
    foundOn: { service: 'order-service', span: 'checkout', scope: 'service' },
  },
];

export const pathologyNames = pathologies.map((pathology) => pathology.name);

export function isPathologyName(value: string): value is PathologyName {
  return (pathologyNames as readonly string[]).includes(value);
}

export function pathology(name: PathologyName): Pathology {
  const found = pathologies.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown pathology ${name}`);
  return found;
}

/** The span attribute set on spans a switched-on pathology touches. */
export function scenarioAttribute(name: PathologyName): string {
  return `app.scenario.${name}`;
}

/** The command that switches a pathology off (applies the fix). */
export function fixCommand(name: PathologyName): string {
  return `pnpm scenario off ${name}`;
}

/** Pool size the order service uses while pool-starvation is on. */
export const STARVED_POOL_SIZE = 4;
