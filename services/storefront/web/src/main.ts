/**
 * The shop page. Tracing starts first, so every listener added afterwards is one the user-interaction
 * instrumentation sees; the "Place order" click is the root span of the checkout's trace.
 */
import { startTracing } from './tracing';
import { showOrderPage } from './order-page';
import { showShop } from './shop';
import { byId } from './dom';
import { readSettings } from './settings';

startTracing();
const settings = readSettings();
byId<HTMLAnchorElement>('lab-link').href = settings.labUrl;
byId<HTMLAnchorElement>('jaeger-link').href = settings.jaegerUiUrl;

const orderPath = /^\/orders\/([^/]+)\/?$/.exec(location.pathname);
if (orderPath?.[1]) showOrderPage(decodeURIComponent(orderPath[1]), settings);
else showShop(settings);
