/** The banner naming what is down (order, Jaeger, or the console's own server), checked every 5 seconds. */
import { call, type StackStatus } from './api';
import { $ } from './dom';

let last: StackStatus | undefined;

export async function refreshStatus(): Promise<void> {
  const banner = $('down');
  try {
    last = await call<StackStatus>('GET', '/api/status');
    const down = [
      last.order === 'down' && "The order service is down: no checkouts, no load runs, no switches of order's pathologies.",
      last.jaeger === 'down' && 'Jaeger is down: no traces, so no verdict after a run and no trace links.',
    ].filter(Boolean);
    banner.textContent = down.join(' ');
    banner.hidden = down.length === 0;
  } catch {
    banner.textContent = 'The lab console server does not answer: is the stack up (./scripts/stack status)?';
    banner.hidden = false;
  }
}
