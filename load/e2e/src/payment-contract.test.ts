/**
 * Payment's contract as an outsider meets it (issue 13, High #3): every endpoint needs the internal
 * credential; non-positive amounts are refused; the same order asked again with another amount or
 * customer is a 409, not a replay; the order service marks PAID only on an authorisation of the
 * order's total; and recovery claims its outcome in payment so a late authorisation cannot win after it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from './faults';
import { config } from './stack';

const credential = { 'x-tracecart-internal-token': config.INTERNAL_TOKEN };

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = credential,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${config.PAYMENT_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const payment = (orderId: string, amount: number, customerId = 'cust-00002') => ({
  orderId,
  customerId,
  amount,
  method: 'card',
  token: 'tok_visa',
});

describe("payment's contract", { timeout: 60_000 }, () => {
  it('refuses callers without the internal credential (401) or with a wrong one (403)', async () => {
    const orderId = randomUUID();
    assert.equal((await post('/payments', payment(orderId, 10), {})).status, 401);
    assert.equal(
      (await post('/payments', payment(orderId, 10), { 'x-tracecart-internal-token': `${config.INTERNAL_TOKEN}x` })).status,
      403,
    );
    const found = await fetch(`${config.PAYMENT_URL}/payments/orders/${orderId}`);
    assert.equal(found.status, 401);
    assert.deepEqual(await sql('payment', 'SELECT 1 FROM payments WHERE order_id = $1', [orderId]), [], 'nothing recorded');
  });

  it('refuses a zero or negative amount', async () => {
    for (const amount of [0, -5]) {
      const answer = await post('/payments', payment(randomUUID(), amount));
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.field, 'amount');
    }
  });

  it('answers 409 to the same order with another amount or customer, and replays the same request', async () => {
    const orderId = randomUUID();
    const first = await post('/payments', payment(orderId, 12.5));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.amount, 12.5);
    assert.equal((await post('/payments', payment(orderId, 0.01))).status, 409);
    assert.equal((await post('/payments', payment(orderId, 12.5, 'cust-00003'))).status, 409);
    const replay = await post('/payments', payment(orderId, 12.5));
    assert.equal(replay.status, 200);
    assert.equal(replay.body.paymentId, first.body.paymentId);
  });

  it('lets recovery claim an undecided order: a later authorisation gets the decline', async () => {
    const orderId = randomUUID();
    const claimed = await post(`/payments/orders/${orderId}/decline-if-undecided`, {
      customerId: 'cust-00002',
      amount: 20,
      reason: 'checkout_interrupted',
    });
    assert.equal(claimed.status, 200);
    assert.equal(claimed.body.status, 'DECLINED');
    const late = await post('/payments', payment(orderId, 20));
    assert.equal(late.status, 200, 'a replay of the decision that stands');
    assert.equal(late.body.status, 'DECLINED');
    // And the other way round: an authorisation that came first stands against recovery's claim.
    const paidFirst = randomUUID();
    assert.equal((await post('/payments', payment(paidFirst, 20))).status, 201);
    const after = await post(`/payments/orders/${paidFirst}/decline-if-undecided`, {
      customerId: 'cust-00002',
      amount: 20,
      reason: 'checkout_interrupted',
    });
    assert.equal(after.body.status, 'AUTHORIZED');
  });

  it('answers /internal/telemetry to loopback callers', async () => {
    const response = await fetch(`${config.PAYMENT_URL}/internal/telemetry`);
    assert.equal(response.status, 200);
  });
});
