/**
 * The partners' HTTP doors:
 *   POST /carriers/:carrier/rate-quotes   {"parcel": string}                      -> 200 RateQuote
 *   POST /card-network/authorisations     {"reference": string, "amount": number} -> 200 Authorisation
 *   POST /audit-records                   {"reference": string, "action": string}   -> 202 AuditReceipt
 * Each answers after its configured latency.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '@tracecart/http';
import { annotate } from '@tracecart/telemetry';
import { auditReceiptFor, authorisationFor, quoteFor } from './partners';

export interface Latencies {
  quoteMs: number;
  authorisationMs: number;
  /** The audit service: only the hunt exercises' decoy calls it. */
  auditMs: number;
}

const carrierCode = z.string().regex(/^[a-z0-9-]{1,40}$/);
const quoteBody = z.object({ parcel: z.string().min(1).max(100) }).strict();
const auditBody = z.object({ reference: z.string().min(1).max(100), action: z.string().regex(/^[a-z0-9._-]{1,40}$/) }).strict();
const authorisationBody = z.object({ reference: z.string().min(1).max(100), amount: z.number().nonnegative().max(1_000_000) }).strict();

export function partnerRoutes(latencies: Latencies): Router {
  const router = Router();
  router.post('/carriers/:carrier/rate-quotes', async (request, response) => {
    const carrier = carrierCode.safeParse(request.params.carrier);
    if (!carrier.success) throw validationError(carrier.error);
    const body = quoteBody.safeParse(request.body);
    if (!body.success) throw validationError(body.error);
    annotate({ 'app.partner': 'carrier', 'app.partner.latency_ms': latencies.quoteMs, 'app.shipment.carrier': carrier.data });
    await sleep(latencies.quoteMs);
    response.json(quoteFor(carrier.data, body.data.parcel));
  });
  router.post('/card-network/authorisations', async (request, response) => {
    const body = authorisationBody.safeParse(request.body);
    if (!body.success) throw validationError(body.error);
    annotate({ 'app.partner': 'card-network', 'app.partner.latency_ms': latencies.authorisationMs });
    await sleep(latencies.authorisationMs);
    response.json(authorisationFor(body.data.reference, body.data.amount));
  });
  router.post('/audit-records', async (request, response) => {
    const body = auditBody.safeParse(request.body);
    if (!body.success) throw validationError(body.error);
    annotate({ 'app.partner': 'audit', 'app.partner.latency_ms': latencies.auditMs });
    await sleep(latencies.auditMs);
    response.status(202).json(auditReceiptFor(body.data.reference, body.data.action));
  });
  return router;
}
