/**
 * The typed client other services use to call payment. Payment is idempotent per order, so a call that
 * failed on the network or with a 5xx is safely retried. Every call carries the internal credential, and
 * names its client span by the route template it calls (`POST /payments`, `GET /payments/orders/:orderId`),
 * the same routes payment serves.
 */
import { withUrlTemplate } from '@tracecart/telemetry';
import type { DeclineRequest, PaymentRequest, PaymentResult, UnreconciledPayment } from './payment-request';

export type { DeclineRequest, PaymentRequest, PaymentResult, UnreconciledPayment };

/** The header payment checks on every call (INTERNAL_TOKEN); written here so the client needs no http package. */
const INTERNAL_TOKEN_HEADER = 'x-tracecart-internal-token';

export class PaymentUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentUnavailableError';
  }
}

/** Payment declined the order (card declined, fraud suspected); recorded on spans as the failure. */
export class PaymentDeclinedError extends Error {
  constructor(reason: string) {
    super(`payment declined: ${reason}`);
    this.name = 'PaymentDeclinedError';
  }
}

export interface PaymentClient {
  authorize(request: PaymentRequest): Promise<PaymentResult>;
  /** What payment recorded for an order, or undefined when it never saw the order. */
  findByOrder(orderId: string): Promise<PaymentResult | undefined>;
  /** Claims an outcome for an order: DECLINED with the reason unless payment already decided; returns what stands. */
  declineIfUndecided(orderId: string, request: DeclineRequest): Promise<PaymentResult>;
  /** Authorisations not reconciled yet, unanswered for `quietSeconds`. */
  unreconciled(quietSeconds: number): Promise<UnreconciledPayment[]>;
  /** Keeps the authorisations of committed orders, voids the others (a void re-checks the quiet time). */
  reconcile(keep: string[], voids: string[], quietSeconds: number): Promise<{ kept: number; voided: number }>;
}

export interface PaymentClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** INTERNAL_TOKEN, which payment requires of its callers. */
  internalToken: string;
  /** Tries of one authorisation (a timeout or a 5xx is tried again); default PAYMENT_CLIENT_ATTEMPTS. */
  attempts?: number;
}

export const PAYMENT_CLIENT_ATTEMPTS = 2;

export function createPaymentClient({
  baseUrl,
  timeoutMs,
  internalToken,
  attempts = PAYMENT_CLIENT_ATTEMPTS,
}: PaymentClientOptions): PaymentClient {
  const headers = { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: internalToken };

  async function call(template: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    return withUrlTemplate(template, () =>
      fetch(new URL(path, baseUrl), {
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
  }

  async function json<T>(response: Response): Promise<T> {
    if (response.ok) return (await response.json()) as T;
    const detail = ((await response.json().catch(() => undefined)) as { error?: string } | undefined)?.error ?? 'no JSON body';
    if (response.status >= 500) throw new PaymentUnavailableError(`payment answered ${response.status} (${detail})`);
    throw new Error(`payment refused the request: ${response.status} (${detail})`);
  }

  async function once(request: PaymentRequest): Promise<PaymentResult> {
    const response = await call('/payments', '/payments', { method: 'POST', body: request });
    const body = (await response.json().catch(() => undefined)) as PaymentResult | { error?: string } | undefined;
    if ((response.status === 200 || response.status === 201 || response.status === 402) && body && 'status' in body) {
      return body;
    }
    const detail = body && 'error' in body ? body.error : 'no JSON body';
    if (response.status >= 500) throw new PaymentUnavailableError(`payment answered ${response.status} (${detail})`);
    throw new Error(`payment refused the request: ${response.status} (${detail})`);
  }

  return {
    async findByOrder(orderId) {
      const response = await call('/payments/orders/:orderId', `/payments/orders/${encodeURIComponent(orderId)}`);
      if (response.status === 404) return undefined;
      return json<PaymentResult>(response);
    },
    async declineIfUndecided(orderId, request) {
      return json<PaymentResult>(
        await call(
          '/payments/orders/:orderId/decline-if-undecided',
          `/payments/orders/${encodeURIComponent(orderId)}/decline-if-undecided`,
          { method: 'POST', body: request },
        ),
      );
    },
    async unreconciled(quietSeconds) {
      return json<UnreconciledPayment[]>(await call('/payments/unreconciled', `/payments/unreconciled?quietSeconds=${quietSeconds}`));
    },
    async reconcile(keep, voids, quietSeconds) {
      return json<{ kept: number; voided: number }>(
        await call('/payments/reconciliations', '/payments/reconciliations', { method: 'POST', body: { keep, void: voids, quietSeconds } }),
      );
    },
    async authorize(request) {
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          return await once(request);
        } catch (error) {
          lastError = error;
          const retriable = error instanceof PaymentUnavailableError || (error instanceof Error && error.name !== 'Error');
          if (!retriable) throw error;
        }
      }
      throw lastError instanceof PaymentUnavailableError
        ? lastError
        : new PaymentUnavailableError('payment unreachable', { cause: lastError });
    },
  };
}
