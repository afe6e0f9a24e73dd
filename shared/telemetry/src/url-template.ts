/**
 * HTTP client spans named by the route they call (`POST /payments`), not by the method alone. A typed
 * client knows its routes: it wraps a call in `withUrlTemplate('/payments/orders/:orderId', ...)` and
 * the undici (fetch) instrumentation's request hook, which runs in the caller's context, names the span
 * `{method} {url.template}` as the HTTP semantic conventions do. Without a template the span keeps
 * the instrumentation's name (the method): a concrete path could hold an id, and names stay low-cardinality.
 */
import { context, createContextKey, type Span } from '@opentelemetry/api';

/** semconv `url.template` (still "development" in the JS package, so not imported from its incubating entry). */
export const ATTR_URL_TEMPLATE = 'url.template';

const templateKey = createContextKey('tracecart.url.template');

/** Runs `call` (a fetch) so that its client span is named by `template`, e.g. `/payments/orders/:orderId`. */
export function withUrlTemplate<T>(template: string, call: () => T): T {
  return context.with(context.active().setValue(templateKey, template), call);
}

export function undiciRequestHook(span: Span, request: { method: string }): void {
  const template = context.active().getValue(templateKey);
  if (typeof template !== 'string') return;
  span.setAttribute(ATTR_URL_TEMPLATE, template);
  span.updateName(`${request.method.toUpperCase()} ${template}`);
}
