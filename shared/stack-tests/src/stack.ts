/** Helpers for tests that talk to the running stack (started by scripts/test): URLs, checkouts, switches. */
import { loadConfig } from '@tracecart/config';
import { JaegerClient, type FlatSpan } from '@tracecart/jaeger-client';
import { pathology, pathologyNames, type PathologyName } from '@tracecart/scenarios';

export const config = loadConfig();
export const jaeger = new JaegerClient(config.JAEGER_QUERY_URL);

export interface CheckoutBody {
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  payment: { method: 'card'; token: string };
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<HttpAnswer<T>> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

let customerCounter = 0;
/** A seeded customer id, varied between calls (customers cust-00001 .. cust-10000, burst ones every 97th). */
export function someCustomer(): string {
  customerCounter += 1;
  let n = 1 + ((customerCounter * 7_919 + Date.now()) % 10_000);
  if (n % 97 === 0) n += 1;
  return `cust-${String(n).padStart(5, '0')}`;
}

export function cart(lines: number, token = 'tok_visa', customerId = someCustomer()): CheckoutBody {
  const start = 1 + Math.floor(Math.random() * 1_900);
  return {
    customerId,
    items: Array.from({ length: lines }, (_, index) => ({ sku: `SKU-${String(start + index).padStart(5, '0')}`, quantity: 1 + (index % 3) })),
    payment: { method: 'card', token },
  };
}

export type CheckoutAnswer = { orderId: string; status: string; total: number; traceId: string; error?: string };

export function checkout(body: CheckoutBody, headers: Record<string, string> = {}): Promise<HttpAnswer<CheckoutAnswer>> {
  return postJson<CheckoutAnswer>(`${config.ORDER_URL}/checkout`, body, headers);
}

const serviceUrl: Record<'order' | 'payment' | 'shipping', string> = {
  order: config.ORDER_URL,
  payment: config.PAYMENT_URL,
  shipping: config.SHIPPING_URL,
};

/** Switches a pathology on its owning service (from the catalogue); resolves once it is in effect. */
export async function setScenario(name: PathologyName, enabled: boolean): Promise<void> {
  const response = await fetch(`${serviceUrl[pathology(name).service]}/scenarios/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${config.SCENARIO_TOKEN}` },
    body: JSON.stringify({ enabled }),
    // Building the missing index on 1,000,000+ rows takes seconds on a busy machine.
    signal: AbortSignal.timeout(60_000),
  });
  if (response.status !== 200) throw new Error(`switching ${name} answered ${response.status}: ${await response.text()}`);
}

export async function setAllScenarios(enabled: boolean): Promise<void> {
  for (const name of pathologyNames) await setScenario(name, enabled);
}

export const services = ['order-service', 'payment-service', 'shipping-service'] as const;

/**
 * A trace is complete for a paid checkout once Jaeger holds order's consumer span for shipment.created
 * and the last spans of payment and shipping. Each service exports its spans in its own batches (every
 * second), so order's consumer span can reach Jaeger before shipping's batch does: waiting for order
 * alone let a poll see the trace without shipping's spans.
 */
export function paidTraceComplete(spans: FlatSpan[]): boolean {
  const has = (service: string, kind: number) => spans.some((span) => span.service === service && span.kind === kind);
  return (
    has('order-service', 5) && // consumer of shipment.created
    has('shipping-service', 5) && // consumer of order.paid
    has('shipping-service', 4) && // producer of shipment.created: shipping's last span of the checkout
    has('payment-service', 2) // POST /payments
  );
}

export async function waitForOrderStatus(orderId: string, status: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = (await getJson(`${config.ORDER_URL}/orders/${orderId}`)).body;
    if (last.status === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

export function parentOf(spans: FlatSpan[], span: FlatSpan): FlatSpan | undefined {
  return spans.find((candidate) => candidate.spanId === span.parentSpanId);
}

export function ancestors(spans: FlatSpan[], span: FlatSpan): FlatSpan[] {
  const chain: FlatSpan[] = [];
  let current = parentOf(spans, span);
  while (current) {
    chain.push(current);
    current = parentOf(spans, current);
  }
  return chain;
}
