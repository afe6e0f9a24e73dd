/**
 * The shop's calls to the order service. Each call is a fetch, so the undici instrumentation makes its
 * client span and carries `traceparent` on: a checkout started by a click in the browser continues, in
 * the same trace, through this server into order. Each call also carries the internal credential, so
 * order knows the shop for one of its own: whatever order's TRACE_EDGE_POLICY, it continues the shop's
 * trace (the policy applies once, where the browser's request comes in).
 */
import { HttpError, INTERNAL_TOKEN_HEADER } from '@tracecart/http';

export interface OrderAnswer {
  status: number;
  body: unknown;
  /** order's `traceresponse` header, passed back to the browser. */
  traceresponse?: string;
}

export interface OrderClient {
  get(path: string): Promise<OrderAnswer>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<OrderAnswer>;
}

/** Long enough for a checkout on a busy machine with pathologies on; the page says so when it runs out. */
const TIMEOUT_MS = 30_000;

export interface OrderClientOptions {
  /** INTERNAL_TOKEN: marks the shop's calls as coming from one of order's own. */
  internalToken?: string;
  timeoutMs?: number;
}

export function createOrderClient(baseUrl: string, { internalToken, timeoutMs = TIMEOUT_MS }: OrderClientOptions = {}): OrderClient {
  const credential: Record<string, string> = internalToken ? { [INTERNAL_TOKEN_HEADER]: internalToken } : {};
  const call = async (path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<OrderAnswer> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        ...init,
        headers: { ...init.headers, ...credential },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new HttpError(504, 'order_timeout', `the order service did not answer within ${timeoutMs / 1000} s`, { down: 'order' });
      }
      throw new HttpError(503, 'order_unavailable', 'the order service is down (connection refused)', { down: 'order' });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new HttpError(502, 'order_bad_answer', `the order service answered ${response.status} without JSON`, { down: 'order' });
    }
    const traceresponse = response.headers.get('traceresponse') ?? undefined;
    return { status: response.status, body, ...(traceresponse ? { traceresponse } : {}) };
  };
  return {
    get: (path) => call(path, { method: 'GET' }),
    post: (path, body, headers = {}) =>
      call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
  };
}
