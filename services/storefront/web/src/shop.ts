/** The shop: search, customer picker, cart, card choice, "Place order", and the answer that follows. */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { listCustomers, readJson, searchProducts, type CheckoutAnswer, type Product } from './api';
import { byId, facts, h, money } from './dom';
import { followStatus, traceLink } from './order-status';
import { explain, showDown } from './status';
import { flushSpans, tracer } from './tracing';
import type { Settings } from './settings';

interface CartLine {
  product: Product;
  quantity: number;
}

const cart = new Map<string, CartLine>();
const MAX_QUANTITY = 100;

function renderCart(): void {
  const list = byId('cart');
  list.replaceChildren();
  let total = 0;
  for (const { product, quantity } of cart.values()) {
    total += product.price * quantity;
    const input = h('input', {
      type: 'number',
      min: '1',
      max: String(MAX_QUANTITY),
      value: String(quantity),
      'aria-label': `Quantity of ${product.name}`,
    });
    input.addEventListener('change', () => {
      const value = Math.round(Number(input.value));
      const line = cart.get(product.sku);
      if (line) line.quantity = Number.isFinite(value) ? Math.min(MAX_QUANTITY, Math.max(1, value)) : 1;
      renderCart();
    });
    const remove = h('button', { type: 'button', 'aria-label': `Remove ${product.name}` }, 'Remove');
    remove.addEventListener('click', () => {
      cart.delete(product.sku);
      renderCart();
    });
    list.append(h('li', {}, h('span', { class: 'line-name' }, product.name), input, remove));
  }
  byId('cart-empty').hidden = cart.size > 0;
  byId('cart-link').textContent = `Cart (${[...cart.values()].reduce((sum, line) => sum + line.quantity, 0)})`;
  byId('cart-total').textContent = money(total);
}

function addToCart(product: Product): void {
  const line = cart.get(product.sku);
  if (line) line.quantity = Math.min(MAX_QUANTITY, line.quantity + 1);
  else cart.set(product.sku, { product, quantity: 1 });
  renderCart();
}

function renderProducts(products: Product[], query: string): void {
  const list = byId('products');
  list.replaceChildren(
    ...products.map((product) => {
      const add = h('button', { type: 'button', 'aria-label': `Add ${product.name} to the cart` }, 'Add to cart');
      add.addEventListener('click', () => addToCart(product));
      return h(
        'li',
        {},
        h('span', { class: 'name' }, product.name),
        h('span', { class: 'meta' }, `${product.sku} · ${money(product.price)} · ${product.stock} in stock`),
        add,
      );
    }),
  );
  byId('products-note').textContent = products.length
    ? `${products.length} product${products.length === 1 ? '' : 's'}${query ? ` matching “${query}”` : ''}`
    : `No product matches “${query}”.`;
}

async function search(query: string): Promise<void> {
  try {
    renderProducts(await searchProducts(query), query);
  } catch (error) {
    byId('products').replaceChildren();
    byId('products-note').textContent = `Products unavailable: ${explain(error)}`;
  }
}

async function loadCustomers(): Promise<void> {
  const select = byId<HTMLSelectElement>('customer');
  try {
    const customers = await listCustomers();
    select.replaceChildren(...customers.map((customer) => h('option', { value: customer.id }, `${customer.name} (${customer.id})`)));
  } catch (error) {
    select.replaceChildren(h('option', { value: '' }, `Customers unavailable: ${explain(error)}`));
  }
}

function showResult(kind: 'ok' | 'bad' | 'busy', ...content: Array<Node | string>): HTMLElement {
  const result = byId('result');
  result.className = `result ${kind === 'busy' ? '' : kind}`;
  result.hidden = false;
  result.replaceChildren(...content);
  return result;
}

/** Places the order. The fetch starts synchronously inside the click's listener, so its span is a child of the click's. */
function placeOrder(settings: Settings): void {
  const button = byId<HTMLButtonElement>('place-order');
  const customerId = byId<HTMLSelectElement>('customer').value;
  const card = document.querySelector<HTMLInputElement>('input[name=card]:checked')?.value ?? 'tok_visa';
  if (!customerId) return void showResult('bad', 'Choose a customer first.');
  if (cart.size === 0) return void showResult('bad', 'The cart is empty: add a product first.');

  const body = {
    customerId,
    items: [...cart.values()].map(({ product, quantity }) => ({ sku: product.sku, quantity })),
    payment: { method: 'card', token: card },
  };
  const span = tracer().startSpan('place order', { attributes: { 'app.cart.lines': body.items.length } });
  const traceId = span.spanContext().traceId;
  const started = performance.now();
  const request = context.with(trace.setSpan(context.active(), span), () =>
    fetch('/api/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(35_000),
    }),
  );
  button.disabled = true;
  showResult('busy', 'Placing the order…');

  readJson<CheckoutAnswer>(request)
    .then(({ status, body: answer }) => {
      const latency = performance.now() - started;
      if (answer.orderId) span.setAttribute('app.order.id', answer.orderId);
      if (answer.status) span.setAttribute('app.order.status', answer.status);
      span.setAttribute('http.response.status_code', status);
      const ok = status >= 200 && status < 300;
      if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: answer.error ?? `HTTP ${status}` });
      span.end();
      void flushSpans();
      renderAnswer(settings, ok, answer, status, latency, traceId);
      if (ok && answer.orderId) {
        cart.clear();
        renderCart();
      }
    })
    .catch((error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'no answer' });
      span.end();
      void flushSpans();
      showResult('bad', `The order could not be placed: ${explain(error)}`);
      void showDown();
    })
    .finally(() => {
      button.disabled = false;
    });
}

function renderAnswer(settings: Settings, ok: boolean, answer: CheckoutAnswer, status: number, latency: number, traceId: string): void {
  const headline = ok
    ? 'Order placed.'
    : answer.error === 'payment_declined'
      ? `Payment declined: ${answer.message?.replace(/^payment declined:\s*/, '') ?? 'the card was declined'}.`
      : `The order failed (${status}): ${answer.message ?? answer.error ?? 'no reason given'}.`;
  const statusOutput = h('output', { id: 'result-status', class: `status-${answer.status ?? 'none'}` }, answer.status ?? '—');
  const entries: Array<[string, Node | string]> = [];
  if (answer.orderId) entries.push(['Order', h('a', { id: 'result-order-id', href: `/orders/${answer.orderId}` }, answer.orderId)]);
  entries.push(['Status', statusOutput]);
  if (answer.total !== undefined) entries.push(['Total', h('span', { id: 'result-total' }, money(answer.total))]);
  entries.push(['Latency', h('span', { id: 'result-latency' }, `${Math.round(latency)} ms (measured in the browser)`)]);
  entries.push(['Trace', traceLink(settings, traceId)]);
  showResult(ok ? 'ok' : 'bad', h('p', { id: 'result-headline' }, h('strong', {}, headline)), facts(entries));
  if (ok && answer.orderId) followStatus(answer.orderId, statusOutput);
  if (status === 503 || status === 504) void showDown();
}

export function showShop(settings: Settings): void {
  byId('shop').hidden = false;
  renderCart();
  const input = byId<HTMLInputElement>('search');
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(input.value.trim()), 250);
  });
  byId('place-order').addEventListener('click', () => placeOrder(settings));
  void showDown();
  void search('');
  void loadCustomers();
}
