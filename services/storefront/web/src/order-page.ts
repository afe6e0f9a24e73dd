/** `/orders/:id`: one order, opened from the shop or from a span's `app.order.id` in Jaeger's UI. */
import { getOrder, type OrderView } from './api';
import { byId, facts, h, money } from './dom';
import { followStatus, traceLink } from './order-status';
import { explain, showDown } from './status';
import type { Settings } from './settings';

function render(order: OrderView, settings: Settings): void {
  const status = h('output', { id: 'order-status', class: `status-${order.status}` }, order.status);
  const items = h(
    'table',
    {},
    h('caption', { class: 'note' }, 'Items'),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'SKU'), h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col' }, 'Unit price')),
    ),
    h(
      'tbody',
      {},
      ...order.items.map((item) =>
        h('tr', {}, h('td', {}, item.sku), h('td', {}, String(item.quantity)), h('td', {}, money(item.unitPrice))),
      ),
    ),
  );
  byId('order-detail').replaceChildren(
    facts([
      ['Order', h('span', { id: 'order-id' }, order.id)],
      ['Customer', order.customerId],
      ['Status', status],
      ['Total', money(order.total)],
      [
        'Payment',
        order.payment?.status ? `${order.payment.status}${order.payment.declineReason ? ` (${order.payment.declineReason})` : ''}` : '—',
      ],
      [
        'Shipment',
        order.shipment
          ? `${order.shipment.carrier ?? 'carrier pending'}${order.shipment.trackingNumber ? `, tracking ${order.shipment.trackingNumber}` : ''}`
          : '—',
      ],
      ['Placed', new Date(order.createdAt).toLocaleString()],
      ['Trace', order.traceId ? traceLink(settings, order.traceId, false) : '—'],
    ]),
    items,
  );
  // Once shipped, the whole order is drawn again: the shipment's carrier and tracking number are in by then.
  followStatus(order.id, status, (fresh) => fresh.status === 'SHIPPED' && render(fresh, settings));
}

export function showOrderPage(id: string, settings: Settings): void {
  byId('order-page').hidden = false;
  byId('cart-link').remove();
  document.title = `Order ${id} · Tracecart shop`;
  getOrder(id).then(
    (order) => render(order, settings),
    (error: unknown) => {
      byId('order-detail').replaceChildren(h('p', { role: 'alert' }, `This order cannot be shown: ${explain(error)}`));
      void showDown();
    },
  );
}
