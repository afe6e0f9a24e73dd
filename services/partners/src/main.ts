/** Partners stand-in entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { closeServer, createApp, listen, shutdownOnSignals } from '@tracecart/http';
import { partnerRoutes } from './routes';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('partners', config.LOG_LEVEL);
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    readiness: {},
    internalToken: config.INTERNAL_TOKEN,
    routers: [
      partnerRoutes({
        quoteMs: config.PARTNERS_QUOTE_LATENCY_MS,
        authorisationMs: config.PARTNERS_AUTHORISATION_LATENCY_MS,
        auditMs: config.PARTNERS_AUDIT_LATENCY_MS,
      }),
    ],
  });
  const server = await listen(app, config.PARTNERS_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [['http', () => closeServer(server)]]);
}

main().catch((error: unknown) => {
  console.error('partners failed to start', error);
  process.exit(1);
});
