/**
 * The typed client payment and shipping use to call the third parties. A failed call (network, timeout,
 * 5xx) throws PartnerUnavailableError; the caller's own retry or redelivery decides what happens next.
 */
import type { AuditReceipt, Authorisation, RateQuote } from './partners';

export type { AuditReceipt, Authorisation, RateQuote };

export class PartnerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PartnerUnavailableError';
  }
}

export interface PartnersClient {
  /** The carrier's rate for one parcel. */
  quoteRate(carrier: string, parcel: string): Promise<RateQuote>;
  /** The card network's authorisation of an amount. */
  authorise(reference: string, amount: number): Promise<Authorisation>;
  /** The audit service's record of an action (only the hunt exercises' decoy sends one). */
  recordAudit(reference: string, action: string): Promise<AuditReceipt>;
}

export function createPartnersClient({ baseUrl, timeoutMs }: { baseUrl: string; timeoutMs: number }): PartnersClient {
  async function post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PartnerUnavailableError(`partners unreachable at ${baseUrl}`, { cause: error });
    }
    if (!response.ok) throw new PartnerUnavailableError(`partners answered ${response.status} on ${path}`);
    return (await response.json()) as T;
  }
  return {
    quoteRate: (carrier, parcel) => post<RateQuote>(`/carriers/${encodeURIComponent(carrier)}/rate-quotes`, { parcel }),
    authorise: (reference, amount) => post<Authorisation>('/card-network/authorisations', { reference, amount }),
    recordAudit: (reference, action) => post<AuditReceipt>('/audit-records', { reference, action }),
  };
}
