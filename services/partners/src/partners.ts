/**
 * The third parties, as plain functions of their request: a carrier quotes a rate for a parcel, the
 * card network authorises an amount, the audit service files a record (only the exercises' decoy uses it). Both answer after a configured latency (the only simulated thing in
 * the stack); their answers are deterministic so tests and prices stay reproducible.
 */
import { createHash } from 'node:crypto';

export interface RateQuote {
  carrier: string;
  quoteId: string;
  /** Base price of one parcel, in euros. */
  amount: number;
  currency: 'EUR';
}

export interface Authorisation {
  approved: true;
  authorisationCode: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A carrier's base rate: 4.50 to 5.49 EUR, fixed per carrier. */
export function quoteFor(carrier: string, parcel: string): RateQuote {
  const cents = 450 + (digest(carrier).readUInt16BE(0) % 100);
  return { carrier, quoteId: digest(`${carrier}:${parcel}`).toString('hex').slice(0, 16), amount: cents / 100, currency: 'EUR' };
}

/** The card network approves what reaches it: declines (test tokens, fraud) are decided before the call. */
export function authorisationFor(reference: string, amount: number): Authorisation {
  return { approved: true, authorisationCode: digest(`${reference}:${amount}`).toString('hex').slice(0, 6).toUpperCase() };
}

export interface AuditReceipt {
  recordId: string;
}

/** The audit service files what it is sent; its receipt id is derived from the record. */
export function auditReceiptFor(reference: string, action: string): AuditReceipt {
  return { recordId: digest(`audit:${reference}:${action}`).toString('hex').slice(0, 16) };
}
