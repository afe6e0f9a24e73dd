/** Payment service entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import path from 'node:path';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { closeServer, createApp, flagSwitch, labelPathologySpans, listen, scenarioRoutes, shutdownOnSignals } from '@tracecart/http';
import { createPartnersClient } from '@tracecart/partners/client';
import { isDatabaseUnavailable, openDatabase, ping } from '@tracecart/postgres';
import { missingIndexSwitch } from './missing-index';
import { paymentRoutes } from './routes';
import { riskTable } from './risk-score';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('payment-service', config.LOG_LEVEL);
  const { pool, plans } = await openDatabase(config, 'payment', path.join(__dirname, '..', 'migrations'), logger);
  const missingIndex = await missingIndexSwitch(pool, config.SCENARIOS_AT_START === 'on', plans.forget);
  // The fix's precomputed risk table, built before the first request rather than in one.
  riskTable();
  const eventLoopBlock = flagSwitch(config.SCENARIOS_AT_START === 'on');
  const switches = { 'missing-index': missingIndex, 'event-loop-block': eventLoopBlock };
  labelPathologySpans(switches, { 'missing-index': 'payment.fraud_check', 'event-loop-block': 'payment.risk_score' });
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    database: { name: 'payment', isUnavailable: isDatabaseUnavailable },
    readiness: { postgres: () => ping(pool) },
    internalToken: config.INTERNAL_TOKEN,
    routers: [
      paymentRoutes({
        pool,
        logger,
        eventLoopBlock: eventLoopBlock.enabled,
        internalToken: config.INTERNAL_TOKEN,
        partners: createPartnersClient({ baseUrl: config.PARTNERS_URL, timeoutMs: config.PARTNERS_TIMEOUT_MS }),
      }),
      scenarioRoutes(switches, config.SCENARIO_TOKEN),
    ],
  });
  const server = await listen(app, config.PAYMENT_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [
    ['http', () => closeServer(server)],
    ['postgres', () => pool.end()],
  ]);
}

main().catch((error: unknown) => {
  console.error('payment-service failed to start', error);
  process.exit(1);
});
