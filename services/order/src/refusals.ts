/** The business refusals of a checkout: what the customer asked for cannot be done (a 4xx, not a fault). */
export { OutOfStockError, UnknownSkuError } from './pricing';

export class UnknownCustomerError extends Error {
  constructor(customerId: string) {
    super(`unknown customer ${customerId}`);
    this.name = 'UnknownCustomerError';
  }
}
