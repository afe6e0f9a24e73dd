/** The event contracts: what a consumer accepts, what it refuses as poison, and what does not compile. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PoolClient } from 'pg';
import { parseEvent, routingKeys } from './contracts';
import { enqueueEvent } from './outbox';

const orderId = '6f1c7a8e-3b5d-4c2a-9e0f-1a2b3c4d5e6f';

describe('event contracts', () => {
  it('accepts the order.paid that order publishes, and the older shape without currency or paymentId', () => {
    const full = { orderId, customerId: 'cust-00001', total: 12.5, currency: 'EUR', itemsCount: 2, paymentId: orderId };
    assert.deepEqual(parseEvent(routingKeys.orderPaid, full), { ok: true, event: full });
    assert.equal(parseEvent(routingKeys.orderPaid, { orderId, customerId: 'cust-00001', total: 10, itemsCount: 1 }).ok, true);
  });

  it('refuses a wrong shape, naming every offending field and the routing key', () => {
    const parsed = parseEvent(routingKeys.orderPaid, { orderId: 42, customerId: '', total: 'lots' });
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok);
    assert.match(parsed.reason, /^invalid order\.paid: /);
    for (const field of ['orderId', 'customerId', 'total']) assert.match(parsed.reason, new RegExp(`${field}: `));
  });

  it('refuses a shipment.created without a tracking number', () => {
    const parsed = parseEvent(routingKeys.shipmentCreated, { orderId, shipmentId: orderId, carrier: 'DHL' });
    assert.ok(!parsed.ok);
    assert.match(parsed.reason, /invalid shipment\.created: trackingNumber: /);
  });

  it('checks a payload against its schema before writing it to the outbox', async () => {
    let written = false;
    const client = {
      query: async () => {
        written = true;
        return { rows: [], rowCount: 1 };
      },
    } as unknown as PoolClient;
    // The compiler cannot tell a malformed UUID from a good one; the schema refuses it at run time.
    const wrong = { orderId: 'not-a-uuid', customerId: 'c', total: 1 };
    await assert.rejects(enqueueEvent(client, routingKeys.orderPaid, wrong));
    assert.equal(written, false);
    await enqueueEvent(client, routingKeys.shipmentCreated, { orderId, shipmentId: orderId, carrier: 'DHL', trackingNumber: 'DHL-1' });
    assert.equal(written, true);
  });
});

/** Never called: `tsc` fails the build if a wrong payload compiles (each @ts-expect-error must be needed). */
export async function typeChecks(client: PoolClient): Promise<void> {
  // @ts-expect-error a field renamed: order.paid has orderId, not id
  await enqueueEvent(client, routingKeys.orderPaid, { id: orderId, customerId: 'c', total: 1 });
  // @ts-expect-error shipment.created's payload on order.paid
  await enqueueEvent(client, routingKeys.orderPaid, { orderId, shipmentId: orderId, carrier: 'DHL', trackingNumber: 'x' });
  // @ts-expect-error a routing key no contract declares
  await enqueueEvent(client, 'order.refunded', { orderId });
}
