/**
 * The lab's catalogue of the pathologies: what the services enforce (@tracecart/scenarios: name, owning
 * service, title, fix) with what only the lab reads: the cause, what it looks like in Jaeger, the report's
 * signature and where it finds it, the documented load, the hints; and the decoys' spans and why each is
 * harmless. The scenario CLI, the report, the lab's exercises, the lab console and the README's
 * walkthrough read these descriptions. (Lab wing: nothing under services/ or shared/ imports this.)
 */
import {
  decoys as productDecoys,
  pathologies as productPathologies,
  type Decoy as ProductDecoy,
  type DecoyName,
  type Pathology as ProductPathology,
  type PathologyName,
} from '@tracecart/scenarios';

export {
  isDecoyName,
  isPathologyName,
  pathologyNames,
  scenarioAttribute,
  type DecoyName,
  type OwningService,
  type PathologyName,
} from '@tracecart/scenarios';

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

/** What the lab knows of a pathology beyond what the services enforce. */
interface LabDetails {
  /** What the problem is, in the database's terms. */
  cause: string;
  /** What it looks like in Jaeger's UI. */
  inJaeger: string;
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

export interface Pathology extends ProductPathology, LabDetails {}

const labDetails: Record<PathologyName, LabDetails> = {
  'missing-index': {
    cause:
      "The fraud check sums the customer's payments of the last 30 days. payments has no index on (customer_id, created_at), so PostgreSQL reads all of its 4,000,000+ rows (three months of payments and three years of archive) for every checkout.",
    inJaeger:
      'payment-service: under `payment.fraud_check`, one wide `SELECT payments` span takes most of POST /payments; its `app.db.plan` event (from the second slow one on) reads "Aggregate <- Seq Scan on payments".',
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
  'n-plus-one': {
    cause:
      'The checkout loads each cart line with its own product query and its own stock query: 2 queries per item, up to 100 round trips for a 50-line cart.',
    inJaeger:
      'order-service: a staircase of short spans under `checkout.load_cart`, one after the other, two per cart item: `SELECT products`, then `SELECT stock`.',
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
  'lock-contention': {
    cause:
      "Shipping locks the carrier's capacity row with `SELECT ... FOR UPDATE` first and keeps the transaction (and the lock) open while it waits for the carrier's rate quote over HTTP (a third party, ~100 ms) and writes the shipment; parallel messages for the same (hot) carrier wait in line, one quote after another.",
    inJaeger:
      "shipping-service: under `shipping.reserve_and_create`, the `SELECT carriers FOR UPDATE` span of one trace lasts until another trace's COMMIT; in the holder's trace the lock is followed by the `partners` span `POST /carriers/:carrier/rate-quotes` inside the same transaction. Asynchronous work: it lengthens checkout-to-shipped, not the HTTP answer.",
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
  'pool-starvation': {
    cause:
      "The checkout keeps its transaction, and so its pooled connection, open while it waits for payment over HTTP, and payment waits on the card network's authorisation (a third party, ~80 ms); with the pool shrunk to one connection (the lab's small-scale model of a pool far smaller than the traffic it serves, like 10 connections for 60 concurrent checkouts), every other checkout queues for it.",
    inJaeger:
      'order-service: under concurrent checkouts, long `pg-pool.connect` spans under `checkout`, before its BEGIN, much longer than the queries that follow them; the connection holders sit in `POST /payments` → `POST /card-network/authorisations` (partners) with their transaction open.',
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
  'event-loop-block': {
    cause:
      "Payment's risk score rebuilds its card-range risk table with a synchronous loop on every request (tens of milliseconds of CPU): while it runs, Node's single event loop does nothing else, so every other request in payment-service stalls, whatever it was waiting for.",
    inJaeger:
      "payment-service: the `payment.risk_score` span has no child and a long self time; at the same wall-clock moments, unrelated concurrent traces' payment spans (queries, the card network call) stretch and end together right after it. POST /payments carries `nodejs.eventloop.delay.max_ms`, far above a few ms.",
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
};

export const pathologies: readonly Pathology[] = productPathologies.map((entry) => ({ ...entry, ...labDetails[entry.name] }));

export function pathology(name: PathologyName): Pathology {
  const found = pathologies.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown pathology ${name}`);
  return found;
}

export interface Decoy extends ProductDecoy {
  /** Its span, as Jaeger shows it. */
  span: string;
  title: string;
  /** Why it does not slow the checkout down. */
  whyHarmless: string;
}

const decoyDetails: Record<DecoyName, Omit<Decoy, keyof ProductDecoy>> = {
  'slow-audit': {
    span: 'checkout.audit',
    title: "Checkout's audit record sent to the audit service after the answer",
    whyHarmless:
      "order-service's checkout.audit span (and partners' POST /audit-records under it, ~300 ms) is the longest span of the trace, but it starts after POST /checkout has answered: it is off the critical path, and removing it would not make one checkout faster.",
  },
};

export const decoys: readonly Decoy[] = productDecoys.map((entry) => ({ ...entry, ...decoyDetails[entry.name] }));

/** The command that switches a pathology off (applies the fix). */
export function fixCommand(name: PathologyName): string {
  return `pnpm scenario off ${name}`;
}
