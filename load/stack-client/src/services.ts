/** The three services as the lab sees them: their names and base URLs (from @tracecart/config). */
import { urlFor, type Config, type ServiceName } from '@tracecart/config';

export type { ServiceName };

export const serviceNames = ['order', 'payment', 'shipping'] as const satisfies readonly ServiceName[];

export type ServiceUrls = Record<ServiceName, string>;

export function serviceUrls(config: Config): ServiceUrls {
  return { order: urlFor(config, 'order'), payment: urlFor(config, 'payment'), shipping: urlFor(config, 'shipping') };
}
