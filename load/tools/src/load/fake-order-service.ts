/**
 * A stand-in for the order service, for the load generator's tests and benchmark: node:http on 127.0.0.1,
 * the four endpoints of the contract, a known minimum delay on every checkout, and a record of everything
 * it received and answered. Each checkout body is checked against the contract independently of the
 * generator's own code (the problems found are recorded, not answered).
 *
 * Run directly (`node fake-order-service.js --delay 20`) it prints `{"port":N}` on stdout and serves until
 * killed: the benchmark runs it in its own process so that it does not share the generator's CPU.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = { status: number; extraDelayMs?: number } | { reset: true };

export interface CheckoutRecord {
  seq: number;
  /** Monotonic ms when the request's body was complete. */
  arrivedAt: number;
  body: unknown;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  /** Contract violations found in the request; empty when valid. */
  problems: string[];
  /** What the server did: an HTTP status, or 'reset' (socket destroyed). */
  answered: number | 'reset';
  traceId: string | undefined;
  orderId: string | undefined;
}

export interface FakeOrderServiceOptions {
  /** Every checkout is answered no sooner than this after it arrived. */
  delayMs: number;
  products?: number;
  customers?: number;
  /** Decides a checkout's answer; default: 402 for tok_chargeDeclined, else 201. */
  answer?: (seq: number, body: CheckoutLike) => Answer;
  /** A created order turns SHIPPED this long after its checkout was answered; never when undefined. */
  shipAfterMs?: number;
  /** Created orders for which this returns true never ship. */
  neverShip?: (seq: number) => boolean;
  /** Keep no per-request records (the benchmark's long runs). */
  noRecords?: boolean;
}

export interface CheckoutLike {
  customerId?: unknown;
  items?: unknown;
  payment?: { method?: unknown; token?: unknown };
}

export interface FakeOrderService {
  url: string;
  port: number;
  products: Array<{ sku: string; name: string; price: number; stock: number }>;
  customers: Array<{ id: string; name: string }>;
  checkouts: CheckoutRecord[];
  /** Checkouts received (also counted with noRecords). */
  checkoutCount(): number;
  /** Most checkouts being held at the same time. */
  maxConcurrent(): number;
  orderPolls(): number;
  close(): Promise<void>;
}

export function defaultAnswer(_seq: number, body: CheckoutLike): Answer {
  return { status: body.payment?.token === 'tok_chargeDeclined' ? 402 : 201 };
}

/** The POST /checkout body contract, as the order service states it, plus the load generator's own limits. */
export function checkoutProblems(
  body: unknown,
  known: { skus: ReadonlySet<string>; customerIds: ReadonlySet<string> },
  maxLines: number,
): string[] {
  const problems: string[] = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body is not a JSON object'];
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'customerId,items,payment') problems.push(`top-level keys: ${keys}`);
  if (typeof b.customerId !== 'string' || !known.customerIds.has(b.customerId)) problems.push(`unknown customerId ${String(b.customerId)}`);
  if (!Array.isArray(b.items) || b.items.length < 1 || b.items.length > maxLines) {
    problems.push(`items: not an array of 1 to ${maxLines} lines`);
  } else {
    const seen = new Set<string>();
    for (const [i, item] of (b.items as unknown[]).entries()) {
      const line = item as Record<string, unknown> | null;
      if (!line || typeof line !== 'object' || Object.keys(line).sort().join(',') !== 'quantity,sku') {
        problems.push(`items[${i}]: keys must be sku and quantity`);
        continue;
      }
      if (typeof line.sku !== 'string' || !known.skus.has(line.sku)) problems.push(`items[${i}].sku unknown: ${String(line.sku)}`);
      else if (seen.has(line.sku)) problems.push(`items[${i}].sku repeated: ${line.sku}`);
      else seen.add(line.sku);
      if (!Number.isInteger(line.quantity) || (line.quantity as number) < 1 || (line.quantity as number) > 3) {
        problems.push(`items[${i}].quantity not an integer from 1 to 3: ${String(line.quantity)}`);
      }
    }
  }
  const payment = b.payment as Record<string, unknown> | null;
  if (!payment || typeof payment !== 'object' || Object.keys(payment).sort().join(',') !== 'method,token') {
    problems.push('payment: keys must be method and token');
  } else {
    if (payment.method !== 'card') problems.push(`payment.method: ${String(payment.method)}`);
    if (payment.token !== 'tok_visa' && payment.token !== 'tok_chargeDeclined') problems.push(`payment.token: ${String(payment.token)}`);
  }
  return problems;
}

/** Calls back no sooner than `ms` after now, whatever the timer's rounding. */
function holdFor(ms: number, callback: () => void): void {
  const deadline = performance.now() + ms;
  const check = (): void => {
    const remaining = deadline - performance.now();
    if (remaining <= 0) callback();
    else setTimeout(check, Math.ceil(remaining));
  };
  check();
}

export async function startFakeOrderService(options: FakeOrderServiceOptions): Promise<FakeOrderService> {
  const productCount = options.products ?? 200;
  const customerCount = options.customers ?? 50;
  const products = Array.from({ length: productCount }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(5, '0')}`,
    name: `Product ${i + 1}`,
    price: 100 + ((i * 37) % 900),
    // A few out of stock: the generator must not put them in carts.
    stock: i % 10 === 9 ? 0 : 1000,
  }));
  const customers = Array.from({ length: customerCount }, (_, i) => ({
    id: `cust-${String(i + 1).padStart(5, '0')}`,
    name: `Customer ${i + 1}`,
  }));
  const known = { skus: new Set(products.filter((p) => p.stock > 0).map((p) => p.sku)), customerIds: new Set(customers.map((c) => c.id)) };
  const answer = options.answer ?? defaultAnswer;
  const checkouts: CheckoutRecord[] = [];
  const orders = new Map<string, { seq: number; createdAt: number; answeredAt: number; status: string; ships: boolean }>();
  let seq = 0;
  let holding = 0;
  let maxHolding = 0;
  let polls = 0;

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
    const payload = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  };

  const handleCheckout = (req: http.IncomingMessage, res: http.ServerResponse, raw: string): void => {
    const arrivedAt = performance.now();
    const n = seq;
    seq += 1;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const key = req.headers['idempotency-key'];
    const record: CheckoutRecord = {
      seq: n,
      arrivedAt,
      body,
      idempotencyKey: typeof key === 'string' ? key : undefined,
      contentType: req.headers['content-type'],
      problems: checkoutProblems(body, known, 50),
      answered: 0,
      traceId: undefined,
      orderId: undefined,
    };
    if (!options.noRecords) checkouts.push(record);
    const decision = answer(n, body ?? {});
    holding += 1;
    if (holding > maxHolding) maxHolding = holding;
    holdFor(options.delayMs + ('status' in decision ? (decision.extraDelayMs ?? 0) : 0), () => {
      holding -= 1;
      if ('reset' in decision) {
        record.answered = 'reset';
        req.socket.destroy();
        return;
      }
      const traceId = randomBytes(16).toString('hex');
      const headers = { traceresponse: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
      record.answered = decision.status;
      record.traceId = traceId;
      if (decision.status === 201 || decision.status === 402) {
        const orderId = randomUUID();
        record.orderId = orderId;
        const status = decision.status === 201 ? 'PAID' : 'PAYMENT_FAILED';
        orders.set(orderId, {
          seq: n,
          createdAt: Date.now() - options.delayMs,
          answeredAt: performance.now(),
          status,
          ships: decision.status === 201 && options.shipAfterMs !== undefined && !(options.neverShip?.(n) ?? false),
        });
        if (decision.status === 201) json(res, 201, { orderId, status, total: 1234, traceId }, headers);
        else json(res, 402, { error: 'payment_declined', orderId, status, traceId }, headers);
      } else {
        json(res, decision.status, { error: `fake_${decision.status}` }, headers);
      }
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/checkout') {
        handleCheckout(req, res, Buffer.concat(chunks).toString('utf8'));
      } else if (req.method === 'GET' && url.pathname === '/products') {
        json(res, 200, products);
      } else if (req.method === 'GET' && url.pathname === '/customers') {
        const limit = Number(url.searchParams.get('limit') ?? 100);
        json(res, 200, customers.slice(0, limit));
      } else if (req.method === 'GET' && url.pathname.startsWith('/orders/')) {
        polls += 1;
        const id = decodeURIComponent(url.pathname.slice('/orders/'.length));
        const order = orders.get(id);
        if (!order) {
          json(res, 404, { error: 'not_found' });
          return;
        }
        const shipped = order.ships && performance.now() - order.answeredAt >= options.shipAfterMs!;
        const shippedAt = shipped ? new Date(order.createdAt + options.delayMs + options.shipAfterMs!).toISOString() : null;
        json(res, 200, {
          id,
          status: shipped ? 'SHIPPED' : order.status,
          createdAt: new Date(order.createdAt).toISOString(),
          updatedAt: new Date().toISOString(),
          shippedAt,
        });
      } else {
        json(res, 404, { error: 'not_found' });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    products,
    customers,
    checkouts,
    checkoutCount: () => seq,
    maxConcurrent: () => maxHolding,
    orderPolls: () => polls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const at = process.argv.indexOf('--delay');
  const delayMs = at > 0 ? Number(process.argv[at + 1]) : 20;
  startFakeOrderService({ delayMs, noRecords: true, products: 2000, customers: 1000 }).then(
    (service) => process.stdout.write(`${JSON.stringify({ port: service.port })}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
