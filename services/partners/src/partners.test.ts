import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditReceiptFor, authorisationFor, quoteFor } from './partners';

describe('partners', () => {
  it('quotes a fixed base rate per carrier, between 4.50 and 5.49 EUR', () => {
    const quote = quoteFor('dhl', 'order-1');
    assert.equal(quote.amount, quoteFor('dhl', 'order-2').amount);
    assert.ok(quote.amount >= 4.5 && quote.amount <= 5.49, String(quote.amount));
    assert.notEqual(quote.quoteId, quoteFor('dhl', 'order-2').quoteId);
  });
  it('approves with a code derived from the reference and amount', () => {
    assert.equal(authorisationFor('o1', 10).authorisationCode, authorisationFor('o1', 10).authorisationCode);
    assert.notEqual(authorisationFor('o1', 10).authorisationCode, authorisationFor('o1', 11).authorisationCode);
    assert.match(authorisationFor('o1', 10).authorisationCode, /^[0-9A-F]{6}$/);
  });
  it('files an audit record with an id derived from the record', () => {
    assert.equal(auditReceiptFor('o1', 'checkout.paid').recordId, auditReceiptFor('o1', 'checkout.paid').recordId);
    assert.notEqual(auditReceiptFor('o1', 'checkout.paid').recordId, auditReceiptFor('o2', 'checkout.paid').recordId);
    assert.match(auditReceiptFor('o1', 'checkout.paid').recordId, /^[0-9a-f]{16}$/);
  });
});
