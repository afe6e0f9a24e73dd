/**
 * The lab console's server (port LAB_PORT, 8084; binds LAB_HOST, loopback by default). Start with
 * `node dist/main.js` (./scripts/stack does). It is part of the lab: it drives the stack as the lab's CLIs
 * do, with the same load generator, report and stack client, and is not traced itself.
 */
import path from 'node:path';
import express from 'express';
import { loadConfig } from '@tracecart/config';
import { serviceUrls } from '@tracecart/stack-client';
import { apiRoutes, jsonErrors } from './api';
import { pageRoutes } from './page';
import { Runner } from './runner';
import { RunStore } from './run-store';
import { ownOrigins, sameOriginOnly } from './same-origin';

function main(): void {
  const config = loadConfig();
  const urls = serviceUrls(config);
  const store = new RunStore(path.resolve(config.LAB_DATA_DIR));
  const runner = new Runner(
    { urls, jaegerQueryUrl: config.JAEGER_QUERY_URL, jaegerUiUrl: config.JAEGER_UI_URL, settleMs: 3_000, traceLimit: 500 },
    store,
  );
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(sameOriginOnly(ownOrigins(config.LAB_URL, config.LAB_PORT)));
  app.use(pageRoutes({ jaegerUiUrl: config.JAEGER_UI_URL, shopUrl: config.STOREFRONT_URL }));
  app.use(apiRoutes({ urls, jaegerQueryUrl: config.JAEGER_QUERY_URL }, runner, store));
  app.use((_request, response) => {
    response.status(404).json({ error: 'not_found', message: 'no such page' });
  });
  app.use(jsonErrors);
  const server = app.listen(config.LAB_PORT, config.LAB_HOST, () => {
    process.stdout.write(
      `${JSON.stringify({ msg: 'lab console listening', url: config.LAB_URL, host: config.LAB_HOST, port: config.LAB_PORT })}\n`,
    );
  });
  const shutdown = (): void => {
    server.close();
    server.closeAllConnections();
    void runner.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main();
