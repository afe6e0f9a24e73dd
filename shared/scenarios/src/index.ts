/**
 * The deliberate pathologies as the services enforce them: four in the database, one on a Node event
 * loop. Each has its name, the service that owns it, and the title and fix `GET /scenarios` answers
 * with; the switches, the `app.scenario.*` span labels and the hunt exercises' mode (labels hidden,
 * decoys) are the services' own. What the lab teaches about each (cause, hints, load, report
 * signature) lives in the lab wing (load/lab-catalogue), which the product never imports.
 */
export type PathologyName = 'missing-index' | 'n-plus-one' | 'lock-contention' | 'pool-starvation' | 'event-loop-block';
export type OwningService = 'order' | 'payment' | 'shipping';

/** A pathology as `GET /scenarios` describes it (with its switch state). */
export interface Pathology {
  name: PathologyName;
  service: OwningService;
  title: string;
  /** What the fix does. */
  fix: string;
}

export const pathologies: readonly Pathology[] = [
  {
    name: 'missing-index',
    service: 'payment',
    title: 'Fraud check scans every payment',
    fix: 'CREATE INDEX CONCURRENTLY on payments (customer_id, created_at): the scan becomes an index range scan of a few dozen rows.',
  },
  {
    name: 'n-plus-one',
    service: 'order',
    title: 'Cart loaded one query per line item',
    fix: 'One set-based query (`WHERE sku = ANY($1)` joined with stock) loads the whole cart in one round trip.',
  },
  {
    name: 'lock-contention',
    service: 'shipping',
    title: "Carrier's row locked while waiting on the carrier's rate quote",
    fix: 'Get the rate quote first, with no transaction open; then one short transaction writes the shipment and reserves capacity with an atomic `UPDATE carriers SET reserved = reserved + 1 ... RETURNING`.',
  },
  {
    name: 'pool-starvation',
    service: 'order',
    title: 'Database connection held across the payment call',
    fix: 'Commit the order before calling payment and give the connection back; the pool returns to its configured size.',
  },
  {
    name: 'event-loop-block',
    service: 'payment',
    title: "Risk table rebuilt on payment's event loop for every payment",
    fix: 'Build the risk table once, off the request path (at start, refreshed in the background): the request only looks its score up.',
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

/** The attributes a span touched by a switched-on pathology carries: its label, or none during an exercise. */
export function scenarioLabels(name: PathologyName): Record<string, boolean> {
  return labelsHidden ? {} : { [scenarioAttribute(name)]: true };
}

export type DecoyName = 'slow-audit';

/**
 * A decoy of the hunt exercises (level 3): a span that is slow but off the critical path. Not a
 * pathology: `GET /scenarios` never lists it, and it can only be switched on with an exercise
 * (`PUT /scenarios/_exercise`).
 */
export interface Decoy {
  name: DecoyName;
  service: OwningService;
}

export const decoys: readonly Decoy[] = [
  {
    name: 'slow-audit',
    service: 'order',
  },
];

export function isDecoyName(value: string): value is DecoyName {
  return decoys.some((decoy) => decoy.name === value);
}

/** Connections of the pool that order's checkouts take while pool-starvation is on (their own pool, not a shrunk shared one). */
export const STARVED_POOL_SIZE = 1;
