/**
 * runIdempotently against the real PostgreSQL (the claim protocol is SQL): what each outcome of an
 * attempt leaves on the key, and what the next request with the key gets.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { createPool, migrate, type Pool } from '@tracecart/postgres';
import type { CheckoutAnswer } from './checkout-answers';
import type { CheckoutRequest } from './checkout-request';
import { runIdempotently, type IdempotentCheckout, type KeyClaim } from './idempotent-checkout';
import { ClaimLostError, claimKey, lookUp, requestHash, storeAnswer } from './idempotency-keys-repo';
import { OutOfStockError, UnknownCustomerError } from './refusals';

let pool: Pool;

before(async () => {
  const config = loadConfig();
  await migrate(config, 'order', path.join(__dirname, '..', 'migrations'), createLogger('order-test', 'silent'));
  pool = createPool(config, 'order', { max: 6 });
});
after(() => pool.end());

const request: CheckoutRequest = {
  customerId: 'cust-00001',
  items: [{ sku: 'SKU-00001', quantity: 1 }],
  payment: { token: 'tok_approve' },
} as CheckoutRequest;
const paid: CheckoutAnswer = { status: 201, body: { orderId: 'o-1', status: 'PAID' } };

function run(key: string | undefined, overrides: Partial<IdempotentCheckout> = {}): IdempotentCheckout {
  return {
    pool,
    span: trace.getTracer('test').startSpan('checkout'),
    request,
    key,
    hash: requestHash(request),
    waitMs: 10_000,
    claimStaleSeconds: 30,
    ...overrides,
  };
}

/** An attempt that records the claims it was given and then does `then`. */
function attempt(then: (claim: KeyClaim | undefined) => Promise<CheckoutAnswer>) {
  const claims: Array<KeyClaim | undefined> = [];
  return { claims, fn: (claim: KeyClaim | undefined) => (claims.push(claim), then(claim)) };
}

describe('runIdempotently (real PostgreSQL)', () => {
  it('without a key: runs the attempt, with no claim', async () => {
    const a = attempt(async () => paid);
    assert.deepEqual(await runIdempotently(run(undefined), a.fn), paid);
    assert.deepEqual(a.claims, [undefined]);
  });

  it('a lasting refusal (unknown customer) is stored for the key: a retry replays it without running', async () => {
    const key = `run-${randomUUID()}`;
    const first = attempt(async () => {
      throw new UnknownCustomerError('cust-x');
    });
    const answer = await runIdempotently(run(key), first.fn);
    assert.equal(answer.status, 422);
    assert.equal(first.claims.length, 1);
    assert.equal(first.claims[0]?.key, key);
    const retry = attempt(async () => paid);
    assert.deepEqual(await runIdempotently(run(key), retry.fn), answer);
    assert.equal(retry.claims.length, 0, 'the retry did not run');
  });

  it('out of stock frees the key (it may change after a restock): a retry runs again', async () => {
    const key = `run-${randomUUID()}`;
    const answer = await runIdempotently(run(key), async () => {
      throw new OutOfStockError('SKU-00001', 0);
    });
    assert.equal(answer.status, 409);
    const retry = attempt(async () => paid);
    assert.deepEqual(await runIdempotently(run(key), retry.fn), paid);
    assert.equal(retry.claims.length, 1, 'the retry ran');
  });

  it('a fault is re-thrown and frees the key: a retry runs again', async () => {
    const key = `run-${randomUUID()}`;
    await assert.rejects(
      runIdempotently(run(key), async () => {
        throw new Error('database gone');
      }),
      /database gone/,
    );
    const retry = attempt(async () => paid);
    assert.deepEqual(await runIdempotently(run(key), retry.fn), paid);
    assert.equal(retry.claims.length, 1);
  });

  it('the same key with another body is refused 422 without running', async () => {
    const key = `run-${randomUUID()}`;
    assert.equal((await claimKey(pool, key, 'another body', 30)).kind, 'claimed');
    const a = attempt(async () => paid);
    const answer = await runIdempotently(run(key), a.fn);
    assert.equal(answer.status, 422);
    assert.equal(answer.body.error, 'idempotency_key_reused');
    assert.equal(a.claims.length, 0);
  });

  it('a request whose key is held waits for the holder and answers with its answer', async () => {
    const key = `run-${randomUUID()}`;
    const held = await claimKey(pool, key, requestHash(request), 30);
    assert.equal(held.kind, 'claimed');
    const a = attempt(async () => paid);
    const waiting = runIdempotently(run(key), a.fn);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await storeAnswer(pool, key, (held as { token: string }).token, { status: 402, body: { error: 'payment_declined' } });
    assert.deepEqual(await waiting, { status: 402, body: { error: 'payment_declined' } });
    assert.equal(a.claims.length, 0);
  });

  it('a request whose key is held answers 409 request_in_progress when the holder does not answer in time', async () => {
    const key = `run-${randomUUID()}`;
    assert.equal((await claimKey(pool, key, requestHash(request), 30)).kind, 'claimed');
    const answer = await runIdempotently(run(key, { waitMs: 300 }), async () => paid);
    assert.equal(answer.status, 409);
    assert.equal(answer.body.error, 'request_in_progress');
  });

  it('an abandoned claim (older than claimStaleSeconds, no order) is taken over and the attempt runs', async () => {
    const key = `run-${randomUUID()}`;
    const held = await claimKey(pool, key, requestHash(request), 30);
    await pool.query("UPDATE idempotency_keys SET claimed_at = now() - interval '40 seconds' WHERE key = $1", [key]);
    const a = attempt(async () => paid);
    assert.deepEqual(await runIdempotently(run(key), a.fn), paid);
    assert.equal(a.claims.length, 1);
    assert.notEqual(a.claims[0]?.token, (held as { token: string }).token, 'with a fresh token');
  });

  it('an attempt that lost its claim to a takeover waits for the new holder, then runs again when that claim is abandoned too', async () => {
    const key = `run-${randomUUID()}`;
    const a = attempt(async (claim) => {
      if (a.claims.length === 1) {
        // Another request took the key over meanwhile (its claim is abandoned in turn below).
        await pool.query("UPDATE idempotency_keys SET claim_token = $2, claimed_at = now() - interval '40 seconds' WHERE key = $1", [
          key,
          randomUUID(),
        ]);
        throw new ClaimLostError(claim!.key);
      }
      return paid;
    });
    assert.deepEqual(await runIdempotently(run(key), a.fn), paid);
    assert.equal(a.claims.length, 2);
    assert.notEqual(a.claims[1]?.token, a.claims[0]?.token);
    assert.equal((await lookUp(pool, key, requestHash(request), 30)).kind, 'in-progress', 'the key stays held by the second claim');
  });
});
