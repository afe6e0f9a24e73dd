/**
 * The shop page. Tracing starts first, so every listener added afterwards is one the user-interaction
 * instrumentation sees; the "Place order" click is the root span of the checkout's trace.
 */
import { startTracing } from './tracing';
import { showOrderPage } from './order-page';
import { showShop } from './shop';
import { byId } from './dom';

export interface Settings {
  jaegerUiUrl: string;
  labUrl: string;
}

function readSettings(): Settings {
  const fallback = { jaegerUiUrl: 'http://localhost:16686', labUrl: 'http://localhost:8084' };
  try {
    return { ...fallback, ...(JSON.parse(byId('settings').textContent ?? '{}') as Partial<Settings>) };
  } catch {
    return fallback;
  }
}

startTracing();
const settings = readSettings();
byId<HTMLAnchorElement>('lab-link').href = settings.labUrl;
byId<HTMLAnchorElement>('jaeger-link').href = settings.jaegerUiUrl;

const orderPath = /^\/orders\/([^/]+)\/?$/.exec(location.pathname);
if (orderPath?.[1]) showOrderPage(decodeURIComponent(orderPath[1]), settings);
else showShop(settings);
