/**
 * A bounded burst of checkouts: `count` requests, at most `concurrency` in flight. Used to produce traces
 * for the report's measurements, its recorded fixtures and the end-to-end pathology tests.
 */
import { nextSequence, seededCart } from '@tracecart/stack-client';
import { createHttpClient, type HttpClient } from '../load/http-client';
import { orderIdOf, traceIdOf } from '../load/outcomes';

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

/** One checkout through the load generator's HTTP client; latency from the call to the answer's last byte. */
async function checkoutOnce(client: HttpClient, options: BurstOptions, sequence: number): Promise<CheckoutOutcome> {
  const started = performance.now();
  const result = await client.request('POST', '/checkout', seededCart(sequence, options.lines, { token: options.token }));
  const latencyMs = result.endAt - started;
  if (result.kind === 'response') {
    const traceId = traceIdOf(result.body, result.headers.traceresponse);
    return { status: result.status, traceId, orderId: orderIdOf(result.body), latencyMs, error: undefined };
  }
  return { status: 0, traceId: undefined, orderId: undefined, latencyMs, error: result.kind === 'network' ? result.code : 'timeout' };
}

export async function runCheckoutBurst(options: BurstOptions): Promise<BurstResult> {
  const startedAt = new Date();
  const outcomes: CheckoutOutcome[] = [];
  const workers = Math.max(1, Math.min(options.concurrency, options.count));
  const client = createHttpClient(options.orderUrl, { maxSockets: workers, timeoutMs: options.timeoutMs ?? 30_000 });
  let next = 0;
  const base = nextSequence(options.count);
  async function worker(): Promise<void> {
    while (next < options.count) {
      const sequence = base + next;
      next += 1;
      outcomes.push(await checkoutOnce(client, options, sequence));
    }
  }
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    client.close();
  }
  return { startedAt, endedAt: new Date(), outcomes };
}

/** The trace ids of the checkouts that got an answer carrying one. */
export function traceIdsOf(result: BurstResult): string[] {
  return result.outcomes.flatMap((outcome) => (outcome.traceId ? [outcome.traceId] : []));
}
