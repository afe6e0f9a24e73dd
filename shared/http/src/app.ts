/** The express app skeleton every service uses: JSON body with a size limit, probes, JSON errors. */
import express, { type Express, type Router } from 'express';
import type { Logger } from '@tracecart/logger';
import { serverSpan, spanCounts, traceResponseHeader } from '@tracecart/telemetry';
import { loopbackOrInternalCredential } from './credentials';
import { jsonErrorHandler, notFound, type DatabaseOutage } from './errors';

export type ReadinessCheck = () => Promise<boolean>;

export interface AppOptions {
  logger: Logger;
  bodyLimit: string;
  /** Named dependencies that must answer for `/readyz` to say ready. */
  readiness: Record<string, ReadinessCheck>;
  routers: Router[];
  /** The service's database, if it has one: errors that mean it is down are answered 503 database_unavailable. */
  database?: DatabaseOutage;
  /** INTERNAL_TOKEN: `/internal/telemetry` answers loopback callers and holders of this token only. */
  internalToken: string;
}

export function createApp({ logger, bodyLimit, readiness, routers, database, internalToken }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    const entries = await Promise.all(
      Object.entries(readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, ok]) => ok);
    response.status(ready ? 200 : 503).json({ ready, checks });
  });
  // Spans started, ended and exported by this process: the benchmark compares them with Jaeger's count.
  app.get('/internal/telemetry', loopbackOrInternalCredential(internalToken), (_request, response) => {
    response.json(spanCounts());
  });
  // W3C Trace Context level 2: every traced answer names the trace and server span that recorded it.
  app.use((_request, response, next) => {
    const span = serverSpan();
    if (span) response.setHeader('traceresponse', traceResponseHeader(span.spanContext()));
    next();
  });
  app.use(express.json({ limit: bodyLimit, strict: true }));
  for (const router of routers) app.use(router);
  app.use(notFound);
  app.use(jsonErrorHandler(logger, database));
  return app;
}
