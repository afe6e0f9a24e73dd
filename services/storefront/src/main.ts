/** Storefront (the shop) entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { closeServer, createApp, listen, shutdownOnSignals } from '@tracecart/http';
import { declareTraceEdge } from '@tracecart/telemetry';
import { createOrderClient } from './order-client';
import { INTAKE_BODY_LIMIT, otlpIntake } from './otlp-intake';
import { pageRoutes } from './pages';
import { shopRoutes } from './shop-routes';
import { traceKeptRoutes } from './trace-kept';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('storefront', config.LOG_LEVEL);
  // Every request here comes from a browser: TRACE_EDGE_POLICY decides what its trace context becomes
  // (continue, the default, keeps a checkout started by a click one trace from the page to shipping).
  declareTraceEdge({ policy: config.TRACE_EDGE_POLICY });
  const app = createApp({
    logger,
    // The largest body is a batch of browser spans; order still applies its own limit to a checkout.
    bodyLimit: INTAKE_BODY_LIMIT,
    // The shop itself is ready when it serves its page; the page says when order or Jaeger is down.
    readiness: {},
    internalToken: config.INTERNAL_TOKEN,
    routers: [
      pageRoutes({ jaegerUiUrl: config.JAEGER_UI_URL, labUrl: config.LAB_URL }),
      shopRoutes({
        order: createOrderClient(config.ORDER_URL, { internalToken: config.INTERNAL_TOKEN }),
        jaegerQueryUrl: config.JAEGER_QUERY_URL,
      }),
      traceKeptRoutes(config.JAEGER_QUERY_URL),
      otlpIntake(config.OTEL_EXPORTER_OTLP_ENDPOINT),
    ],
  });
  const server = await listen(app, config.STOREFRONT_PORT, logger, config.STOREFRONT_HOST);
  shutdownOnSignals(logger, [['http', () => closeServer(server)]]);
}

main().catch((error: unknown) => {
  console.error('storefront failed to start', error);
  process.exit(1);
});
