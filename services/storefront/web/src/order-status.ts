/** Following an order's status live until it is final, and the link to its trace in Jaeger's UI. */
import { getOrder, type OrderView } from './api';
import { h } from './dom';
import { explain } from './status';
import type { Settings } from './main';

const FINAL = new Set(['SHIPPED', 'PAYMENT_FAILED']);
/** Polls for up to about two minutes (shipping can lag behind on a loaded stack), then says so. */
const DELAYS_MS = [500, 500, 1_000, 1_000, 2_000, ...Array<number>(28).fill(4_000)];

export function traceLink(settings: Settings, traceId: string): HTMLAnchorElement {
  return h(
    'a',
    { id: 'view-trace', href: `${settings.jaegerUiUrl.replace(/\/$/, '')}/trace/${traceId}`, target: '_blank', rel: 'noopener' },
    'View trace',
  );
}

/** Updates `output` with the order's status until it is final. */
export function followStatus(orderId: string, output: HTMLElement, onUpdate?: (order: OrderView) => void): void {
  let attempt = 0;
  const show = (text: string, status?: string) => {
    output.textContent = text;
    if (status) output.className = `status-${status}`;
  };
  const next = () => {
    const delay = DELAYS_MS[attempt++];
    if (delay === undefined) return show(`${output.textContent ?? ''} (still not final; reload to check again)`);
    setTimeout(() => {
      getOrder(orderId).then(
        (order) => {
          show(order.status, order.status);
          onUpdate?.(order);
          if (!FINAL.has(order.status)) next();
        },
        (error: unknown) => {
          show(`unknown: ${explain(error)}`);
          next();
        },
      );
    }, delay);
  };
  if (!FINAL.has(output.textContent ?? '')) next();
}
