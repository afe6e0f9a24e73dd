/** Following an order's status live until it is final, and the link to its trace in Jaeger's UI. */
import { getOrder, getTraceKept, type OrderView } from './api';
import { h } from './dom';
import { explain } from './status';
import type { Settings } from './settings';

const FINAL = new Set(['SHIPPED', 'PAYMENT_FAILED']);
/** Polls for up to about two minutes (shipping can lag behind on a loaded stack), then says so. */
const DELAYS_MS = [500, 500, 1_000, 1_000, 2_000, ...Array<number>(28).fill(4_000)];

/**
 * How long the page lets the shop's server look for a trace in Jaeger before it says the trace was not
 * kept: tail sampling decides 10 s (TAIL_SAMPLING_DECISION_WAIT) after a trace's first span, and the
 * services export their spans a second or two after they end. Without tail sampling a trace is there
 * within a couple of seconds, and the wait ends as soon as it is.
 */
export const TRACE_KEPT_WAIT_MS = 30_000;

/**
 * "View trace": the checkout in Jaeger's UI. The shop's server then checks that Jaeger kept the trace (with
 * tail sampling on it may not have); if not, the link becomes a plain "not kept by tail sampling".
 * `placedNow`: false for an order opened later (its trace may also have aged out of Jaeger's store).
 */
export function traceLink(settings: Settings, traceId: string, placedNow = true): HTMLElement {
  const link = h(
    'a',
    { id: 'view-trace', href: `${settings.jaegerUiUrl.replace(/\/$/, '')}/trace/${traceId}`, target: '_blank', rel: 'noopener' },
    'View trace',
  );
  const holder = h('span', { id: 'trace' }, link);
  getTraceKept(traceId, TRACE_KEPT_WAIT_MS).then(
    ({ kept }) => {
      holder.dataset.kept = String(kept);
      if (!kept) {
        holder.replaceChildren(
          h(
            'span',
            { id: 'trace-not-kept' },
            placedNow
              ? `not kept by tail sampling: Jaeger did not store trace ${traceId.slice(0, 16)}…`
              : `not in Jaeger: not kept by tail sampling, or older than the traces Jaeger still holds (trace ${traceId.slice(0, 16)}…)`,
          ),
        );
      }
    },
    // Jaeger cannot be asked: the link stays (the banner says when Jaeger is down).
    () => undefined,
  );
  return holder;
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
