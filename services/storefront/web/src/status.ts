/** The banner that says what is down, so the page is never blank or spinning without a reason. */
import { getHealth, ApiError } from './api';
import { byId } from './dom';

const what: Record<string, string> = {
  order: 'The order service is down: products, customers and checkout are unavailable until it is back.',
  jaeger: 'Jaeger is down: orders still work, but their traces cannot be viewed (and the spans of this page are dropped).',
  storefront: "The shop's own server does not answer.",
};

export async function showDown(): Promise<void> {
  const banner = byId('down');
  let down: string[];
  try {
    const health = await getHealth();
    down = (['order', 'jaeger'] as const).filter((name) => health[name] === 'down');
  } catch (error) {
    down = [error instanceof ApiError && error.body.down ? error.body.down : 'storefront'];
  }
  banner.textContent = down.map((name) => what[name] ?? `${name} is down.`).join(' ');
  banner.hidden = down.length === 0;
}

/** The message for a failed call, naming the dependency that is down when the server says which. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.body.down) void showDown();
    return error.body.message ?? error.message;
  }
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'no answer in time; the stack may be overloaded';
  return error instanceof Error ? error.message : String(error);
}
