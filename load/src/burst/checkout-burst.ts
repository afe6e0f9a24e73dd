/**
 * A bounded burst of checkouts: `count` requests, at most `concurrency` in flight. Used to produce traces
 * for the report's measurements, its recorded fixtures and the end-to-end pathology tests.
 */

export interface BurstOptions {
  orderUrl: string;
  /** How many checkouts in all. */
  count: number;
  /** How many in flight at once (1 = one after the other). */
  concurrency: number;
  /** Cart lines per checkout (each line a different SKU). */
  lines: number;
  /** Card token; `tok_visa` pays. */
  token?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface CheckoutOutcome {
  status: number;
  traceId: string | undefined;
  orderId: string | undefined;
  latencyMs: number;
  error: string | undefined;
}

export interface BurstResult {
  startedAt: Date;
  endedAt: Date;
  outcomes: CheckoutOutcome[];
}

const CUSTOMERS = 10_000;
const SKUS = 2_000;

/** A seeded customer that is not one of the fraud check's burst customers (every 97th). */
export function customerFor(sequence: number): string {
  let n = 1 + ((sequence * 7_919 + 13) % CUSTOMERS);
  if (n % 97 === 0) n += 1;
  return `cust-${String(n).padStart(5, '0')}`;
}

export function cartFor(sequence: number, lines: number, token = 'tok_visa') {
  const first = 1 + ((sequence * 37) % (SKUS - lines));
  return {
    customerId: customerFor(sequence),
    items: Array.from({ length: lines }, (_, index) => ({ sku: `SKU-${String(first + index).padStart(5, '0')}`, quantity: 1 })),
    payment: { method: 'card' as const, token },
  };
}

async function checkoutOnce(options: BurstOptions, sequence: number): Promise<CheckoutOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(new URL('/checkout', options.orderUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cartFor(sequence, options.lines, options.token)),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const body = (await response.json().catch(() => ({}))) as { traceId?: string; orderId?: string };
    const traceId = body.traceId ?? response.headers.get('traceresponse')?.split('-')[1];
    return { status: response.status, traceId, orderId: body.orderId, latencyMs: performance.now() - started, error: undefined };
  } catch (error) {
    return { status: 0, traceId: undefined, orderId: undefined, latencyMs: performance.now() - started, error: String(error) };
  }
}

let sequenceBase = Date.now() % 100_000;

export async function runCheckoutBurst(options: BurstOptions): Promise<BurstResult> {
  const startedAt = new Date();
  const outcomes: CheckoutOutcome[] = [];
  let next = 0;
  const base = sequenceBase;
  sequenceBase += options.count;
  async function worker(): Promise<void> {
    while (next < options.count) {
      const sequence = base + next;
      next += 1;
      outcomes.push(await checkoutOnce(options, sequence));
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, worker));
  return { startedAt, endedAt: new Date(), outcomes };
}

/** The trace ids of the checkouts that got an answer carrying one. */
export function traceIdsOf(result: BurstResult): string[] {
  return result.outcomes.flatMap((outcome) => (outcome.traceId ? [outcome.traceId] : []));
}
