/**
 * Helpers for tests that talk to the running stack (started by scripts/test): URLs, checkouts, switches,
 * through the lab's stack client (@tracecart/stack-client) with the configuration scripts/test exports.
 */
import { loadConfig } from '@tracecart/config';
import { JaegerClient, type FlatSpan } from '@tracecart/jaeger-client';
import type { PathologyName } from '@tracecart/lab-catalogue';
import {
  APPROVE_TOKEN,
  nextSequence,
  seededCart,
  serviceUrls,
  setAllScenarios as switchAll,
  switchScenario,
  type CheckoutBody,
} from '@tracecart/stack-client';

export { serviceNames, type CheckoutBody, type ServiceName } from '@tracecart/stack-client';

export const config = loadConfig();
export const jaeger = new JaegerClient(config.JAEGER_QUERY_URL);
export const serviceUrl = serviceUrls(config);

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

/** A seeded cart of `lines` lines (quantities 1 to 3) for a customer the fraud check lets through. */
export function cart(lines: number, token = APPROVE_TOKEN, customerId?: string): CheckoutBody {
  return seededCart(nextSequence(), lines, { token, customerId, quantity: (index) => 1 + (index % 3) });
}

export type CheckoutAnswer = { orderId: string; status: string; total: number; traceId: string; error?: string };

export function checkout(body: CheckoutBody, headers: Record<string, string> = {}): Promise<HttpAnswer<CheckoutAnswer>> {
  return postJson<CheckoutAnswer>(`${config.ORDER_URL}/checkout`, body, headers);
}

/** Switches a pathology on its owning service (from the catalogue); resolves once it is in effect. */
export async function setScenario(name: PathologyName, enabled: boolean): Promise<void> {
  // Building the missing index on 1,000,000+ rows takes seconds on a busy machine.
  await switchScenario(serviceUrl, config.SCENARIO_TOKEN, name, enabled, 60_000);
}

export async function setAllScenarios(enabled: boolean): Promise<void> {
  await switchAll(serviceUrl, config.SCENARIO_TOKEN, enabled);
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
