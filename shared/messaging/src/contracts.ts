/**
 * The event contracts between the services: each routing key with the zod schema of its payload,
 * declared once. Publishing (`enqueueEvent`) is typed by them, so a payload that does not match does
 * not compile; consuming (`Broker.consume`) parses with them, so a message that does not match is
 * refused as poison (straight to the queue's dead-letter queue) before any handler sees it.
 */
import { z } from 'zod';

export const routingKeys = {
  orderPaid: 'order.paid',
  shipmentCreated: 'shipment.created',
} as const;
export type RoutingKey = (typeof routingKeys)[keyof typeof routingKeys];

export const eventSchemas = {
  /** order -> shipping: the order is paid; ship it. */
  [routingKeys.orderPaid]: z.object({
    orderId: z.uuid(),
    customerId: z.string().min(1),
    total: z.number().nonnegative(),
    currency: z.literal('EUR').optional(),
    itemsCount: z.number().int().positive().optional(),
    paymentId: z.uuid().optional(),
  }),
  /** shipping -> order: the shipment exists; mark the order SHIPPED. */
  [routingKeys.shipmentCreated]: z.object({
    orderId: z.uuid(),
    shipmentId: z.uuid(),
    carrier: z.string().min(1),
    trackingNumber: z.string().min(1),
  }),
} as const satisfies Record<RoutingKey, z.ZodType>;

/** What a publisher must hand over for an event. */
export type EventInput<K extends RoutingKey> = z.input<(typeof eventSchemas)[K]>;
/** What a consumer receives, parsed. */
export type Event<K extends RoutingKey> = z.output<(typeof eventSchemas)[K]>;

export type EventParse<K extends RoutingKey> = { ok: true; event: Event<K> } | { ok: false; reason: string };

/** Parses a payload against its routing key's contract; the reason names every offending field. */
export function parseEvent<K extends RoutingKey>(routingKey: K, payload: unknown): EventParse<K> {
  const parsed = eventSchemas[routingKey].safeParse(payload);
  if (parsed.success) return { ok: true, event: parsed.data as Event<K> };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
  return { ok: false, reason: `invalid ${routingKey}: ${issues}` };
}
