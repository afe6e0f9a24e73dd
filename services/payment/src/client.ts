/**
 * The typed client other services use to call payment. Payment is idempotent per order, so a call that
 * failed on the network or with a 5xx is safely retried. Each call names its client span by the route
 * template it calls (`POST /payments`, `GET /payments/orders/:orderId`), the same routes payment serves.
 */
import { withUrlTemplate } from '@tracecart/telemetry';
import type { PaymentRequest, PaymentResult } from './payment-request';

export type { PaymentRequest, PaymentResult };

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
}

export interface PaymentClientOptions {
  baseUrl: string;
  timeoutMs: number;
  attempts?: number;
}

export function createPaymentClient({ baseUrl, timeoutMs, attempts = 2 }: PaymentClientOptions): PaymentClient {
  const url = new URL('/payments', baseUrl).toString();

  async function once(request: PaymentRequest): Promise<PaymentResult> {
    const response = await withUrlTemplate('/payments', () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
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
      const response = await withUrlTemplate('/payments/orders/:orderId', () =>
        fetch(new URL(`/payments/orders/${encodeURIComponent(orderId)}`, baseUrl), { signal: AbortSignal.timeout(timeoutMs) }),
      );
      if (response.status === 404) return undefined;
      if (!response.ok) throw new PaymentUnavailableError(`payment answered ${response.status}`);
      return (await response.json()) as PaymentResult;
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
