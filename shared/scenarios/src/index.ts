/**
 * The catalogue of deliberate pathologies: four in the database, one on a Node event loop. Each is
 * described once, here; the scenario CLI, the report, the lab's exercises, the lab console and the
 * README's walkthrough all read these descriptions.
 */
export type PathologyName = 'missing-index' | 'n-plus-one' | 'lock-contention' | 'pool-starvation' | 'event-loop-block';
export type OwningService = 'order' | 'payment' | 'shipping';
/**
 * The trace shape by which the report recognises a pathology. `lock-held`: a row lock held across a call
 * to another process (seen in one trace, whether or not anybody waited on it this time).
 */
export type Signature = 'seq-scan' | 'n-plus-one' | 'lock-wait' | 'lock-held' | 'pool-wait' | 'loop-block';

/**
 * The lab's documented load for one pathology: a bounded burst of `count` checkouts of `lines` cart
 * lines, `concurrency` in flight. The pathology e2e tests and `pnpm lab measure` both drive it.
 */
export interface LabLoad {
  count: number;
  concurrency: number;
  lines: number;
}

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
   * A second shape of the same cause that shows in the code's traces even when the timing hides the first
   * (lock-contention: the lock held across the rate quote, when no two shipments met on the row).
   */
  alsoShownBy?: Signature;
  /**
   * Where the report finds the signature: the service as traces name it, and the span the pattern shows
   * on or under (the slow query's, the staircase's or the connection wait's enclosing span). With scope
   * `service` the pattern belongs to the pathology wherever it shows in that service (a connection pool
   * is the whole service's); with `span`, only on or under that span.
   */
  foundOn: { service: string; span: string; scope: 'span' | 'service' };
  /** Which latency its fix improves: the checkout's answer, or checkout-to-shipped (asynchronous work). */
  keyLatency: 'checkout' | 'checkout-to-shipped';
  load: LabLoad;
  /** The lab's hints, in order: the service, then the span, then what the span shows. */
  hints: readonly [string, string, string];
}

export const pathologies: readonly Pathology[] = [
  {
    name: 'missing-index',
    service: 'payment',
    title: 'Fraud check scans every payment',
    cause:
      "The fraud check sums the customer's payments of the last 30 days. payments has no index on (customer_id, created_at), so PostgreSQL reads all of its 4,000,000+ rows (three months of payments and three years of archive) for every checkout.",
    inJaeger:
      'payment-service: under `payment.fraud_check`, one wide `SELECT payments` span takes most of POST /payments; its `app.db.plan` event (from the second slow one on) reads "Aggregate <- Seq Scan on payments".',
    fix: 'CREATE INDEX CONCURRENTLY on payments (customer_id, created_at): the scan becomes an index range scan of a few dozen rows.',
    signature: 'seq-scan',
    foundOn: { service: 'payment-service', span: 'payment.fraud_check', scope: 'span' },
    keyLatency: 'checkout',
    load: { count: 16, concurrency: 3, lines: 3 },
    hints: [
      'Look at payment-service: most of POST /payments is spent in one place.',
      'Open payment.fraud_check: one `SELECT payments` span under it is as wide as the check itself.',
      'Click that query: its app.db.plan event reads "Seq Scan on payments": every row is read to find one customer\'s few dozen.',
    ],
  },
  {
    name: 'n-plus-one',
    service: 'order',
    title: 'Cart loaded one query per line item',
    cause:
      'The checkout loads each cart line with its own product query and its own stock query: 2 queries per item, up to 100 round trips for a 50-line cart.',
    inJaeger:
      'order-service: a staircase of short spans under `checkout.load_cart`, one after the other, two per cart item: `SELECT products`, then `SELECT stock`.',
    fix: 'One set-based query (`WHERE sku = ANY($1)` joined with stock) loads the whole cart in one round trip.',
    signature: 'n-plus-one',
    foundOn: { service: 'order-service', span: 'checkout.load_cart', scope: 'span' },
    keyLatency: 'checkout',
    load: { count: 12, concurrency: 2, lines: 50 },
    hints: [
      'Look at order-service: before it calls payment, the checkout spends a while on its own database.',
      'Open checkout.load_cart on a checkout with a large cart (app.order.items_count).',
      'It is a staircase of short SELECTs, one after the other, two per cart line: the same statement again and again.',
    ],
  },
  {
    name: 'lock-contention',
    service: 'shipping',
    title: "Carrier's row locked while waiting on the carrier's rate quote",
    cause:
      "Shipping locks the carrier's capacity row with `SELECT ... FOR UPDATE` first and keeps the transaction (and the lock) open while it waits for the carrier's rate quote over HTTP (a third party, ~100 ms) and writes the shipment; parallel messages for the same (hot) carrier wait in line, one quote after another.",
    inJaeger:
      'shipping-service: under `shipping.reserve_and_create`, the `SELECT carriers FOR UPDATE` span of one trace lasts until another trace\'s COMMIT; in the holder\'s trace the lock is followed by the `partners` span `POST /carriers/:carrier/rate-quotes` inside the same transaction. Asynchronous work: it lengthens checkout-to-shipped, not the HTTP answer.',
    fix: 'Get the rate quote first, with no transaction open; then one short transaction writes the shipment and reserves capacity with an atomic `UPDATE carriers SET reserved = reserved + 1 ... RETURNING`.',
    signature: 'lock-wait',
    alsoShownBy: 'lock-held',
    foundOn: { service: 'shipping-service', span: 'shipping.reserve_and_create', scope: 'span' },
    keyLatency: 'checkout-to-shipped',
    load: { count: 40, concurrency: 8, lines: 3 },
    hints: [
      'The checkout answers quickly enough: look at what happens after it, in shipping-service.',
      'Open shipping.reserve_and_create in several traces of the same moment: one query in it is long in some and instant in others.',
      "That SELECT carriers FOR UPDATE ends right when another trace's COMMIT ends: the row lock is handed over, and its holder was waiting on the carrier's rate quote (partners) meanwhile.",
    ],
  },
  {
    name: 'pool-starvation',
    service: 'order',
    title: 'Database connection held across the payment call',
    cause:
      "The checkout keeps its transaction, and so its pooled connection, open while it waits for payment over HTTP, and payment waits on the card network's authorisation (a third party, ~80 ms); with the pool shrunk to one connection (the lab's small-scale model of a pool far smaller than the traffic it serves, like 10 connections for 60 concurrent checkouts), every other checkout queues for it.",
    inJaeger:
      'order-service: under concurrent checkouts, long `pg-pool.connect` spans under `checkout`, before its BEGIN, much longer than the queries that follow them; the connection holders sit in `POST /payments` → `POST /card-network/authorisations` (partners) with their transaction open.',
    fix: 'Commit the order before calling payment and give the connection back; the pool returns to its configured size.',
    signature: 'pool-wait',
    foundOn: { service: 'order-service', span: 'checkout', scope: 'service' },
    keyLatency: 'checkout',
    load: { count: 36, concurrency: 6, lines: 3 },
    hints: [
      'Look at order-service: checkouts wait before their first query.',
      'Open the first pg-pool.connect under checkout: it is long, and the BEGIN after it is short.',
      "The checkout waits for a pooled connection: every connection is held by a checkout whose transaction stays open across POST /payments (and the card network's authorisation).",
    ],
  },
  {
    name: 'event-loop-block',
    service: 'payment',
    title: "Risk table rebuilt on payment's event loop for every payment",
    cause:
      "Payment's risk score rebuilds its card-range risk table with a synchronous loop on every request (tens of milliseconds of CPU): while it runs, Node's single event loop does nothing else, so every other request in payment-service stalls, whatever it was waiting for.",
    inJaeger:
      'payment-service: the `payment.risk_score` span has no child and a long self time; at the same wall-clock moments, unrelated concurrent traces\' payment spans (queries, the card network call) stretch and end together right after it. POST /payments carries `nodejs.eventloop.delay.max_ms`, far above a few ms.',
    fix: 'Build the risk table once, off the request path (at start, refreshed in the background): the request only looks its score up.',
    signature: 'loop-block',
    foundOn: { service: 'payment-service', span: 'payment.risk_score', scope: 'service' },
    keyLatency: 'checkout',
    load: { count: 40, concurrency: 6, lines: 3 },
    hints: [
      'Look at payment-service: its spans stretch, even spans that do nothing slow.',
      'Open payment.risk_score: a span with no child, long self time, and in other traces of the same moment spans that end together right after it.',
      'POST /payments carries nodejs.eventloop.delay.max_ms: the event loop was blocked by synchronous work in the request path.',
    ],
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

/**
 * Whether this process leaves the `app.scenario.*` labels off its spans: true while a hunt exercise runs
 * (`PUT /scenarios/_exercise`), so the traces do not give the answer away. One flag per process.
 */
let labelsHidden = false;

export function hideScenarioLabels(hidden: boolean): void {
  labelsHidden = hidden;
}

export function scenarioLabelsHidden(): boolean {
  return labelsHidden;
}

/** The attributes a span touched by a switched-on pathology carries: its label, or none during an exercise. */
export function scenarioLabels(name: PathologyName): Record<string, boolean> {
  return labelsHidden ? {} : { [scenarioAttribute(name)]: true };
}

export type DecoyName = 'slow-audit';

/**
 * A decoy of the hunt exercises (level 3): a span that is slow but off the critical path. Not a
 * pathology: the report never names it, `GET /scenarios` never lists it, and it can only be switched on
 * with an exercise (`PUT /scenarios/_exercise`).
 */
export interface Decoy {
  name: DecoyName;
  service: OwningService;
  /** Its span, as Jaeger shows it. */
  span: string;
  title: string;
  /** Why it does not slow the checkout down. */
  whyHarmless: string;
}

export const decoys: readonly Decoy[] = [
  {
    name: 'slow-audit',
    service: 'order',
    span: 'checkout.audit',
    title: "Checkout's audit record sent to the audit service after the answer",
    whyHarmless:
      "order-service's checkout.audit span (and partners' POST /audit-records under it, ~300 ms) is the longest span of the trace, but it starts after POST /checkout has answered: it is off the critical path, and removing it would not make one checkout faster.",
  },
];

export function isDecoyName(value: string): value is DecoyName {
  return decoys.some((decoy) => decoy.name === value);
}

/** The command that switches a pathology off (applies the fix). */
export function fixCommand(name: PathologyName): string {
  return `pnpm scenario off ${name}`;
}

/** Connections of the pool that order's checkouts take while pool-starvation is on (their own pool, not a shrunk shared one). */
export const STARVED_POOL_SIZE = 1;
