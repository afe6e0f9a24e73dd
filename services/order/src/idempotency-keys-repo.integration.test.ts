/** Idempotency-Key logic: the pure parts, and the claim protocol against the real PostgreSQL. */
import path from 'node:path';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { createPool, migrate, type Pool } from '@tracecart/postgres';
import { claimKey, isValidKey, releaseKey, requestHash, storeAnswer } from './idempotency-keys-repo';

describe('requestHash', () => {
  it('ignores key order and sees every value', () => {
    assert.equal(requestHash({ a: 1, b: { c: [1, 2], d: 'x' } }), requestHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    assert.notEqual(requestHash({ a: 1, b: [1, 2] }), requestHash({ a: 1, b: [2, 1] }));
    assert.notEqual(requestHash({ a: 1 }), requestHash({ a: 2 }));
  });
});

describe('isValidKey', () => {
  it('takes 1 to 128 printable ASCII characters', () => {
    assert.ok(isValidKey('order-2026-11-23-0001'));
    assert.ok(!isValidKey(''));
    assert.ok(!isValidKey('x'.repeat(129)));
    assert.ok(!isValidKey('has space'));
    assert.ok(!isValidKey('ünïcode'));
  });
});

describe('claiming a key (real PostgreSQL)', () => {
  let pool: Pool;
  before(async () => {
    // The integration stage starts PostgreSQL alone: the order database and its tables come from its migrations.
    const config = loadConfig();
    await migrate(config, 'order', path.join(__dirname, '..', 'migrations'), createLogger('test', 'silent'));
    pool = createPool(config, 'order', { max: 4 });
  });
  after(() => pool.end());

  it('claims once, then reports in-progress, replay or mismatch', async () => {
    const key = `test-${randomUUID()}`;
    const hash = requestHash({ n: 1 });
    const claim = await claimKey(pool, key, hash, 30);
    assert.equal(claim.kind, 'claimed');
    assert.deepEqual(await claimKey(pool, key, hash, 30), { kind: 'in-progress', orderId: null });
    assert.deepEqual(await claimKey(pool, key, requestHash({ n: 2 }), 30), { kind: 'mismatch' });
    await storeAnswer(pool, key, (claim as { token: string }).token, { status: 201, body: { orderId: 'o-1' } });
    assert.deepEqual(await claimKey(pool, key, hash, 30), { kind: 'replay', answer: { status: 201, body: { orderId: 'o-1' } } });
  });

  it('lets exactly one of many concurrent requests claim a key', async () => {
    const key = `test-${randomUUID()}`;
    const hash = requestHash({ n: 3 });
    const claims = await Promise.all(Array.from({ length: 20 }, () => claimKey(pool, key, hash, 30)));
    assert.equal(claims.filter((claim) => claim.kind === 'claimed').length, 1);
    assert.equal(claims.filter((claim) => claim.kind === 'in-progress').length, 19);
  });

  it('frees a key whose request created nothing, so a retry can claim it', async () => {
    const key = `test-${randomUUID()}`;
    const hash = requestHash({ n: 4 });
    const first = await claimKey(pool, key, hash, 30);
    assert.equal(first.kind, 'claimed');
    await releaseKey(pool, key, (first as { token: string }).token);
    const again = await claimKey(pool, key, hash, 30);
    assert.equal(again.kind, 'claimed');
    assert.notEqual((again as { token: string }).token, (first as { token: string }).token, 'a fresh claim gets a fresh token');
  });
});
