/** The shop's calls to its own server (which forwards them to order), with errors the page can show. */

export interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export interface Customer {
  id: string;
  name: string;
}

export interface CheckoutAnswer {
  orderId?: string;
  status?: string;
  total?: number;
  traceId?: string | null;
  error?: string;
  message?: string;
}

export interface OrderView {
  id: string;
  customerId: string;
  status: string;
  total: number;
  currency: string;
  items: Array<{ line: number; sku: string; quantity: number; unitPrice: number }>;
  payment: { id: string | null; status: string | null; declineReason: string | null } | null;
  shipment: { id: string; carrier: string | null; trackingNumber: string | null; shippedAt: string | null } | null;
  traceId: string | null;
  createdAt: string;
}

export interface Health {
  order: 'up' | 'down';
  jaeger: 'up' | 'down';
}

/** An answer that is not 2xx, with the server's JSON error when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; down?: string },
  ) {
    super(body.message ?? `the shop's server answered ${status}`);
    this.name = 'ApiError';
  }
}

/** Anything not JSON (e.g. the server itself is gone) becomes an ApiError with status 0. */
export async function readJson<T>(response: Promise<Response>): Promise<{ status: number; body: T }> {
  let answer: Response;
  try {
    answer = await response;
  } catch {
    throw new ApiError(0, { error: 'storefront_unreachable', message: "the shop's own server does not answer", down: 'storefront' });
  }
  let body: unknown;
  try {
    body = await answer.json();
  } catch {
    throw new ApiError(answer.status, { error: 'bad_answer', message: `the shop's server answered ${answer.status} without JSON` });
  }
  return { status: answer.status, body: body as T };
}

async function getJson<T>(path: string): Promise<T> {
  const { status, body } = await readJson<T>(fetch(path, { signal: AbortSignal.timeout(35_000) }));
  if (status < 200 || status > 299) throw new ApiError(status, body as ApiError['body']);
  return body;
}

export const searchProducts = (query: string) => getJson<Product[]>(`/api/products?q=${encodeURIComponent(query)}`);
export const listCustomers = () => getJson<Customer[]>('/api/customers');
export const getOrder = (id: string) => getJson<OrderView>(`/api/orders/${encodeURIComponent(id)}`);
export const getHealth = () => getJson<Health>('/api/status');
/** Whether Jaeger kept the trace; the shop's server asks Jaeger for up to `waitMs` before it answers false. */
export const getTraceKept = (traceId: string, waitMs: number) =>
  getJson<{ traceId: string; kept: boolean }>(`/api/traces/${encodeURIComponent(traceId)}?waitMs=${waitMs}`);
