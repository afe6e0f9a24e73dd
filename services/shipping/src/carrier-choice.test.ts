import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { chooseCarrier, shippingPrice, trackingNumber } from './carrier-choice';

const carriers = [
  { id: 1, code: 'parcelo', weight: 70 },
  { id: 2, code: 'swiftship', weight: 20 },
  { id: 3, code: 'postino', weight: 10 },
];

describe('chooseCarrier', () => {
  it('gives the same order the same carrier every time', () => {
    const orderId = randomUUID();
    const first = chooseCarrier(orderId, carriers);
    for (let i = 0; i < 5; i += 1) assert.equal(chooseCarrier(orderId, [...carriers].reverse()), first);
  });

  it('splits orders by weight', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i += 1) {
      const { code } = chooseCarrier(randomUUID(), carriers);
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    const share = (code: string) => (counts.get(code) ?? 0) / 20_000;
    assert.ok(Math.abs(share('parcelo') - 0.7) < 0.02, `parcelo ${share('parcelo')}`);
    assert.ok(Math.abs(share('swiftship') - 0.2) < 0.02, `swiftship ${share('swiftship')}`);
    assert.ok(Math.abs(share('postino') - 0.1) < 0.02, `postino ${share('postino')}`);
  });

  it('refuses an empty carrier list', () => {
    assert.throws(() => chooseCarrier(randomUUID(), []), /no carriers/);
  });
});

describe('shippingPrice', () => {
  it('adds a volume surcharge capped at +50%', () => {
    assert.equal(shippingPrice(0), 4.9);
    assert.equal(shippingPrice(10_000), 7.35);
    assert.equal(shippingPrice(1_000_000), 7.35);
    assert.ok(shippingPrice(5_000) > shippingPrice(1_000));
  });
});

describe('trackingNumber', () => {
  it('prefixes the carrier and uses the shipment id', () => {
    assert.equal(trackingNumber('parcelo', '0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'), 'PAR-0A1B2C3D4E5F');
  });
});
