import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkoutOrderId } from './checkout';

describe('checkoutOrderId', () => {
  it('gives every retry of a keyed attempt the same order id', () => {
    assert.equal(checkoutOrderId('key-1', 'hash-1'), checkoutOrderId('key-1', 'hash-1'));
  });

  it('gives another key, or the same key with another body, another order', () => {
    const id = checkoutOrderId('key-1', 'hash-1');
    assert.notEqual(checkoutOrderId('key-2', 'hash-1'), id);
    assert.notEqual(checkoutOrderId('key-1', 'hash-2'), id);
    // The separator keeps the key and the hash apart: "ab"+"c" is not "a"+"bc".
    assert.notEqual(checkoutOrderId('ab', 'c'), checkoutOrderId('a', 'bc'));
  });

  it('gives a request without a key a fresh random order id each time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => checkoutOrderId(undefined, 'hash-1')));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a v4 UUID');
  });

  it('derives an RFC 9562 version 8 UUID (PostgreSQL stores it in a uuid column)', () => {
    for (const key of ['a', 'order-2026-11-23-0001', 'x'.repeat(128)]) {
      assert.match(checkoutOrderId(key, 'h'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
