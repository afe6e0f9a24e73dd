import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amountSchema } from './payment-request';

describe('amountSchema', () => {
  it('takes whole cents from one cent to a million', () => {
    for (const amount of [0.01, 0.29, 19.99, 1234.5, 1_000_000]) assert.equal(amountSchema.parse(amount), amount);
  });

  it('refuses amounts that round to nothing, even written with an exponent', () => {
    for (const amount of [2.364296565050885e-212, 1e-5, 0.004, 0, -0.01]) {
      assert.equal(amountSchema.safeParse(amount).success, false, `${amount} passed`);
    }
  });

  it('refuses fractions of a cent and amounts over the limit', () => {
    for (const amount of [0.015, 10.001, 1_000_000.01, Number.POSITIVE_INFINITY, Number.NaN]) {
      assert.equal(amountSchema.safeParse(amount).success, false, `${amount} passed`);
    }
  });
});
