/**
 * Helpers for the fault drills (faults-*.test.ts): drive `scripts/stack` to stop, kill and start
 * components, read the services' databases directly, and run checkouts that survive a dead service.
 * Everything talks to the loopback stack that scripts/test started.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { pathologyNames, type PathologyName } from '@tracecart/lab-catalogue';
import { readStates } from '@tracecart/stack-client';
import { cart, config, serviceNames, serviceUrl, setScenario, type CheckoutBody, type ServiceName } from './stack';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const logDir = path.join(repoRoot, '.stack', 'logs');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `scripts/stack <args>` (same environment, so the same shifted ports); rejects on failure. */
export function stack(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(repoRoot, 'scripts', 'stack'),
      args,
      { cwd: repoRoot, timeout: 240_000, env: process.env },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`stack ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

/** Starts every component again (each start is a no-op when it already runs): the drills' cleanup. */
export async function ensureStackUp(): Promise<void> {
  for (const component of ['postgres', 'rabbitmq', 'jaeger', 'payment', 'shipping', 'order'] as const) {
    await stack('start', component);
  }
}

/** The pid the stack script recorded for a service, if it runs. */
export function pidOf(service: ServiceName): number | undefined {
  return runningPid(service);
}

/** The pid in the stack script's `.stack/run/<name>.pid` (a service, or a replica such as `order.2`), if it runs. */
export function runningPid(name: string): number | undefined {
  const file = path.join(repoRoot, '.stack', 'run', `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? String(lastError) : JSON.stringify(lastError)})` : ''}`,
  );
}

export async function readyz(
  service: ServiceName,
  timeoutMs = 3_000,
): Promise<{ status: number; body: { ready?: boolean; checks?: Record<string, boolean> } }> {
  const response = await fetch(`${serviceUrl[service]}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as { ready?: boolean } };
}

export async function allReady(): Promise<boolean> {
  for (const service of serviceNames) {
    const answer = await readyz(service).catch(() => undefined);
    if (answer?.status !== 200) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Databases, read directly.

export type Database = 'order' | 'payment' | 'shipping';
const databaseName: Record<Database, string> = {
  order: config.ORDER_DATABASE,
  payment: config.PAYMENT_DATABASE,
  shipping: config.SHIPPING_DATABASE,
};

/** Runs one query on a service's database over a fresh connection. */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(
  database: Database,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = await connect(database);
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function connect(database: Database): Promise<pg.Client> {
  const client = new pg.Client({
    host: config.POSTGRES_HOST,
    port: config.POSTGRES_PORT,
    user: config.POSTGRES_USER,
    password: config.POSTGRES_PASSWORD,
    database: databaseName[database],
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  return client;
}

export interface Ledger {
  orders: Map<string, { status: string; customerId: string }>;
  /** Payments per order id: status list (more than one entry would be a duplicate charge). */
  payments: Map<string, string[]>;
  /** Shipments per order id (more than one would be a duplicate shipment). */
  shipments: Map<string, number>;
}

/** The state of the three databases for the orders created since `since` (and what refers to them). */
export async function ledgerSince(since: Date): Promise<Ledger> {
  const orderRows = await sql<{ id: string; status: string; customer_id: string }>(
    'order',
    'SELECT id, status, customer_id FROM orders WHERE created_at >= $1',
    [since],
  );
  const ids = orderRows.map((row) => row.id);
  const paymentRows = await sql<{ order_id: string; status: string }>(
    'payment',
    'SELECT order_id::text, status FROM payments WHERE order_id = ANY($1::uuid[]) OR created_at >= $2',
    [ids, since],
  );
  const shipmentRows = await sql<{ order_id: string; n: number }>(
    'shipping',
    'SELECT order_id::text, count(*)::int AS n FROM shipments WHERE order_id = ANY($1::uuid[]) OR created_at >= $2 GROUP BY order_id',
    [ids, since],
  );
  const payments = new Map<string, string[]>();
  for (const row of paymentRows) payments.set(row.order_id, [...(payments.get(row.order_id) ?? []), row.status]);
  return {
    orders: new Map(orderRows.map((row) => [row.id, { status: row.status, customerId: row.customer_id }])),
    payments,
    shipments: new Map(shipmentRows.map((row) => [row.order_id, row.n])),
  };
}

/**
 * The invariants of the checkout across the three databases, for orders created since `since`:
 * nothing left half-way, every live payment belongs to an order (a VOIDED one was an authorisation
 * released because its order never committed), one payment and at most one shipment per order, and
 * shipments exactly for the paid orders. Returns the problems found (empty when consistent).
 */
export function ledgerProblems(ledger: Ledger): string[] {
  const problems: string[] = [];
  for (const [orderId, order] of ledger.orders) {
    const payments = ledger.payments.get(orderId) ?? [];
    const shipments = ledger.shipments.get(orderId) ?? 0;
    if (payments.length > 1) problems.push(`order ${orderId}: ${payments.length} payments`);
    if (shipments > 1) problems.push(`order ${orderId}: ${shipments} shipments`);
    switch (order.status) {
      case 'SHIPPED':
        if (payments[0] !== 'AUTHORIZED') problems.push(`order ${orderId} SHIPPED without an AUTHORIZED payment (${payments.join(',')})`);
        if (shipments !== 1) problems.push(`order ${orderId} SHIPPED with ${shipments} shipments`);
        break;
      case 'PAYMENT_FAILED':
        if (payments.some((status) => status !== 'DECLINED' && status !== 'VOIDED'))
          problems.push(`order ${orderId} PAYMENT_FAILED but payment says ${payments.join(',')}`);
        if (shipments !== 0) problems.push(`order ${orderId} PAYMENT_FAILED yet shipped`);
        break;
      default:
        problems.push(`order ${orderId} still ${order.status}`);
    }
  }
  for (const [orderId, statuses] of ledger.payments) {
    if (!ledger.orders.has(orderId) && statuses.some((status) => status !== 'VOIDED')) {
      problems.push(`payment (${statuses.join(',')}) for order ${orderId}, which does not exist`);
    }
  }
  for (const orderId of ledger.shipments.keys()) {
    if (!ledger.orders.has(orderId)) problems.push(`shipment for order ${orderId}, which does not exist`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Checkouts that tolerate dead services.

export type Attempt =
  { kind: 'answer'; status: number; body: Record<string, unknown>; text: string } | { kind: 'no-answer'; error: string };

/** One POST /checkout that never throws: an answer (status and body) or the network error. */
export async function attemptCheckout(body: CheckoutBody, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(`${config.ORDER_URL}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: 'no-answer', error: describeError(error) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // Headers arrived but the body did not: an incomplete answer.
    return { kind: 'answer', status: response.status, body: {}, text: `<body failed: ${describeError(error)}>` };
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the caller sees the raw text
  }
  return { kind: 'answer', status: response.status, body: parsed, text };
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${(cause as { code?: string }).code ?? cause.message}` : error.message;
}

/** Final answers of a checkout: anything else (no answer, 409 in progress, 503) is retried. */
export const isFinal = (attempt: Attempt) =>
  attempt.kind === 'answer' &&
  [201, 402, 409, 422].includes(attempt.status) &&
  !(attempt.status === 409 && attempt.body.error === 'request_in_progress');

/**
 * A client that does what the API asks of clients: on no answer, a 503 or a 409 request_in_progress it
 * retries with the same Idempotency-Key until it gets a final answer or its deadline passes.
 */
export async function checkoutUntilFinal(
  body: CheckoutBody,
  key: string,
  deadline: number,
): Promise<{ attempts: Attempt[]; final: Attempt | undefined }> {
  const attempts: Attempt[] = [];
  while (Date.now() < deadline) {
    const attempt = await attemptCheckout(body, { 'idempotency-key': key }, Math.max(1_000, Math.min(30_000, deadline - Date.now())));
    attempts.push(attempt);
    if (isFinal(attempt)) return { attempts, final: attempt };
    await sleep(attempt.kind === 'no-answer' ? 300 : 500);
  }
  return { attempts, final: undefined };
}

// ---------------------------------------------------------------------------------------------------
// Scenario switches: the stack starts with every pathology on, and a restarted service comes back
// with its defaults. The drills run with them off, and put back what they found.

async function scenarioStates(): Promise<Map<PathologyName, boolean>> {
  const states = await readStates(serviceUrl);
  const problems = states.flatMap((state) => (state.problem ? [state.problem] : []));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return new Map(states.map((state) => [state.name, state.enabled === true]));
}

export async function scenariosOff(): Promise<void> {
  const states = await scenarioStates();
  for (const name of pathologyNames) if (states.get(name)) await setScenario(name, false);
}

/** Snapshot of the switches; the returned function restores it. */
export async function keepScenarios(): Promise<() => Promise<void>> {
  const before = await scenarioStates();
  return async () => {
    const now = await scenarioStates();
    for (const name of pathologyNames) {
      const wanted = before.get(name);
      if (wanted !== undefined && now.get(name) !== wanted) await setScenario(name, wanted);
    }
  };
}

/** Lines of a service log appended after `offset` (bytes), parsed when they are JSON. */
export function logLinesSince(service: ServiceName, offset: number): Array<Record<string, unknown>> {
  const file = path.join(logDir, `${service}.log`);
  const text = readFileSync(file).subarray(offset).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

export function logSize(service: ServiceName): number {
  const file = path.join(logDir, `${service}.log`);
  return existsSync(file) ? readFileSync(file).length : 0;
}

// ---------------------------------------------------------------------------------------------------
// Load during a drill, and the verdict on it.

export interface ClientOutcome {
  key: string;
  body: CheckoutBody;
  startedAt: number;
  endedAt: number;
  attempts: Attempt[];
  final: Attempt | undefined;
}

export interface Load {
  outcomes: ClientOutcome[];
  /** Lets the clients finish what they started (retrying up to their deadline), then resolves. */
  stop(): Promise<ClientOutcome[]>;
}

/** `workers` clients checking out back to back, each with its own Idempotency-Key per checkout. */
export function startLoad(
  workers: number,
  makeBody: () => CheckoutBody,
  { retryForMs = 90_000, pauseMs = 20 }: { retryForMs?: number; pauseMs?: number } = {},
): Load {
  let running = true;
  const outcomes: ClientOutcome[] = [];
  let counter = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    while (running) {
      counter += 1;
      const key = `drill-${worker}-${counter}-${randomUUID()}`;
      const body = makeBody();
      const startedAt = Date.now();
      const { attempts, final } = await checkoutUntilFinal(body, key, startedAt + retryForMs);
      outcomes.push({ key, body, startedAt, endedAt: Date.now(), attempts, final });
      await sleep(pauseMs);
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

export interface DrillFigures {
  checkouts: number;
  paid: number;
  declined: number;
  retried: number;
  lost: number;
  duplicates: number;
  shipped: number;
}

/**
 * The verdict on a drill's checkouts, once the system has settled (bounded wait): every client got a
 * final answer; every 201 order exists and ends SHIPPED with one AUTHORIZED payment and one shipment;
 * every 402 has exactly one DECLINED payment; one order per Idempotency-Key; no order, payment or
 * shipment that no client asked for; the three databases agree.
 */
export async function verifyDrill(
  outcomes: ClientOutcome[],
  since: Date,
  settleMs = 60_000,
): Promise<{ figures: DrillFigures; problems: string[] }> {
  const problems: string[] = [];
  const paid = new Map<string, ClientOutcome>();
  const declined = new Map<string, ClientOutcome>();
  let lost = 0;
  let duplicates = 0;
  for (const outcome of outcomes) {
    const final = outcome.final;
    if (!final || final.kind !== 'answer') {
      lost += 1;
      problems.push(
        `key ${outcome.key}: no final answer after ${outcome.attempts.length} attempts (${JSON.stringify(outcome.attempts.at(-1))})`,
      );
      continue;
    }
    const orderId = typeof final.body.orderId === 'string' ? final.body.orderId : '';
    if (final.status === 201) {
      if (paid.has(orderId) || declined.has(orderId)) duplicates += 1;
      paid.set(orderId, outcome);
    } else if (final.status === 402) {
      if (paid.has(orderId) || declined.has(orderId)) duplicates += 1;
      declined.set(orderId, outcome);
    } else {
      lost += 1;
      problems.push(`key ${outcome.key}: final answer ${final.status} ${final.text}`);
    }
  }
  if (duplicates > 0) problems.push(`${duplicates} answers named an order that another key already had`);

  // Settle: every paid order SHIPPED, nothing PENDING, databases consistent.
  const deadline = Date.now() + settleMs;
  let ledger = await ledgerSince(since);
  for (;;) {
    const waiting = [...ledger.orders.values()].filter((order) => order.status === 'PENDING' || order.status === 'PAID').length;
    if ((waiting === 0 && ledgerProblems(ledger).length === 0) || Date.now() > deadline) break;
    await sleep(1_000);
    ledger = await ledgerSince(since);
  }
  problems.push(...ledgerProblems(ledger));

  for (const [orderId, outcome] of paid) {
    const order = ledger.orders.get(orderId);
    if (!order) problems.push(`201 order ${orderId} (key ${outcome.key}) is missing from the order database`);
    else if (order.status !== 'SHIPPED') problems.push(`201 order ${orderId} ended ${order.status}, not SHIPPED`);
    const payments = ledger.payments.get(orderId) ?? [];
    if (payments.length !== 1 || payments[0] !== 'AUTHORIZED') problems.push(`201 order ${orderId}: payments ${JSON.stringify(payments)}`);
    if ((ledger.shipments.get(orderId) ?? 0) !== 1) problems.push(`201 order ${orderId}: ${ledger.shipments.get(orderId) ?? 0} shipments`);
  }
  for (const [orderId, outcome] of declined) {
    const payments = ledger.payments.get(orderId) ?? [];
    // A checkout interrupted before payment saw it is failed by the sweeper with no payment at all.
    const interrupted =
      outcome.final?.kind === 'answer' &&
      typeof outcome.final.body.message === 'string' &&
      outcome.final.body.message.includes('checkout_interrupted');
    if (!(payments.length === 1 && payments[0] === 'DECLINED') && !(interrupted && payments.length === 0)) {
      problems.push(`402 order ${orderId}: payments ${JSON.stringify(payments)}`);
    }
    if (ledger.orders.get(orderId)?.status !== 'PAYMENT_FAILED')
      problems.push(`402 order ${orderId} is ${ledger.orders.get(orderId)?.status}`);
  }
  // Nothing nobody asked for: every order since the start belongs to exactly one client's key.
  const answered = new Set([...paid.keys(), ...declined.keys()]);
  const orderOfKey = await orderIdsByKey(outcomes.map((outcome) => outcome.key));
  for (const outcome of outcomes) {
    const answer = outcome.final?.kind === 'answer' && typeof outcome.final.body.orderId === 'string' ? outcome.final.body.orderId : '';
    if (answer && orderOfKey.get(outcome.key) !== answer)
      problems.push(`key ${outcome.key} records order ${orderOfKey.get(outcome.key)}, answered ${answer}`);
  }
  for (const orderId of ledger.orders.keys()) {
    if (!answered.has(orderId)) {
      duplicates += 1;
      problems.push(`order ${orderId} (${ledger.orders.get(orderId)?.status}) belongs to no client's answer: a duplicate or an orphan`);
    }
  }
  const shipped = [...ledger.shipments.values()].reduce((sum, n) => sum + n, 0);
  if (shipped !== paid.size) problems.push(`${shipped} shipments for ${paid.size} paid orders`);
  return {
    figures: {
      checkouts: outcomes.length,
      paid: paid.size,
      declined: declined.size,
      retried: outcomes.filter((outcome) => outcome.attempts.length > 1).length,
      lost,
      duplicates,
      shipped,
    },
    problems,
  };
}

/** The order each Idempotency-Key made (null: claimed, no order yet), read from order's database. */
export async function orderIdsByKey(keys: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await sql<{ key: string; order_id: string | null }>(
    'order',
    'SELECT key, order_id::text FROM idempotency_keys WHERE key = ANY($1::text[])',
    [keys],
  );
  return new Map(rows.map((row) => [row.key, row.order_id]));
}

export function someBody(): CheckoutBody {
  return cart(1 + Math.floor(Math.random() * 3), Math.random() < 0.15 ? 'tok_chargeDeclined' : 'tok_visa');
}

/**
 * Carrier capacity reserved beyond the shipments that exist (sum of carriers.reserved minus shipments).
 * Every shipment reserves exactly one slot, so a drill must leave this unchanged.
 */
export async function reservationDrift(): Promise<number> {
  const rows = await sql<{ drift: number }>(
    'shipping',
    'SELECT ((SELECT coalesce(sum(reserved), 0) FROM carriers) - (SELECT count(*) FROM shipments))::int AS drift',
  );
  return rows[0]!.drift;
}

/**
 * The before/after hooks every drill needs: pathologies off for the drill (plus any extra `prepare`),
 * and afterwards — even when the drill failed — the whole stack up and ready, and the switches as found.
 */
export function drillHooks(prepare: () => Promise<void> = async () => undefined): void {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreScenarios = await keepScenarios();
    await scenariosOff();
    await prepare();
    // A drill counts the orders created from one second before it starts (slack between this clock and
    // PostgreSQL's now()): a checkout the previous test file placed just before would land in that window
    // as an order no client of the drill answered (seen: the poison drill's last checkout).
    await sleep(1_500);
  });
  after(async () => {
    try {
      await ensureStackUp();
      await waitUntil('the stack to be ready again', allReady, 60_000);
    } finally {
      await restoreScenarios();
    }
  });
}
