/** The business refusals of a checkout: what the customer asked for cannot be done (a 4xx, not a fault). */
export { OutOfStockError, UnknownSkuError } from './pricing';

export class UnknownCustomerError extends Error {
  constructor(customerId: string) {
    super(`unknown customer ${customerId}`);
    this.name = 'UnknownCustomerError';
  }
}

/** The attempt's order exists although its Idempotency-Key is not known (the key expired and was used again). */
export class KeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was used for an earlier order');
    this.name = 'KeyReusedError';
  }
}
