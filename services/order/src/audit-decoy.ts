/**
 * The hunt exercises' decoy `slow-audit` (level 3 of `pnpm lab start`; catalogue: shared/scenarios):
 * once a checkout has answered 201, order sends an audit record of it to the audit service (the
 * partners stand-in, `PARTNERS_AUDIT_LATENCY_MS`, 300 ms by default). Its `checkout.audit` span is the
 * longest of the trace but starts after the answer: slow, and off the critical path. Off unless a
 * running exercise switches it on (`PUT /scenarios/_exercise`); a failed record is logged, never retried.
 */
import type { ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import type { Logger } from '@tracecart/logger';
import type { PartnersClient } from '@tracecart/partners/client';
import { inSpan } from '@tracecart/telemetry';

export interface AuditDecoy {
  enabled(): boolean;
  partners: PartnersClient;
  logger: Logger;
}

/**
 * With the decoy on, records the paid checkout once its answer has gone out (the response's `finish`,
 * after POST /checkout's server span has ended), in the checkout's trace.
 */
export function auditAfterAnswer(decoy: AuditDecoy, response: ServerResponse, orderId: string): void {
  if (!decoy.enabled()) return;
  // An event listener: the record's promise is handled here (a failed record is logged), not awaited.
  const record = (): void => {
    void inSpan('checkout.audit', { 'app.order.id': orderId }, () => decoy.partners.recordAudit(orderId, 'checkout.paid')).catch(
      (error: unknown) => {
        decoy.logger.warn({ orderId, err: error }, 'audit record not filed');
      },
    );
  };
  response.once('finish', context.bind(context.active(), record));
}
