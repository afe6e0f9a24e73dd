/** Payment service entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import path from 'node:path';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import {
  EXERCISE_KEY,
  closeServer,
  createApp,
  flagSwitch,
  labelPathologySpans,
  listen,
  scenarioRoutes,
  sharedSwitch,
  shutdownOnSignals,
  switchKey,
} from '@tracecart/http';
import { createPartnersClient } from '@tracecart/partners/client';
import { isDatabaseUnavailable, openDatabase, openSharedState } from '@tracecart/postgres';
import { missingIndexSwitch } from './missing-index';
import { paymentRoutes } from './routes';
import { riskTable } from './risk-score';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('payment-service', config.LOG_LEVEL);
  const { pool, plans } = await openDatabase(config, 'payment', path.join(__dirname, '..', 'migrations'), logger);
  const startOn = config.SCENARIOS_AT_START === 'on';
  // The switches and the exercise mode are the service's, shared by its replicas (docs/scaling.md).
  const state = await openSharedState({
    config,
    service: 'payment',
    logger,
    defaults: { [switchKey('missing-index')]: startOn, [switchKey('event-loop-block')]: startOn, [EXERCISE_KEY]: null },
  });
  const missingIndex = await missingIndexSwitch(pool, state, startOn, plans.forget);
  // The fix's precomputed risk table, built before the first request rather than in one.
  riskTable();
  const eventLoopBlock = sharedSwitch(state, 'event-loop-block', flagSwitch(startOn));
  const switches = { 'missing-index': missingIndex, 'event-loop-block': eventLoopBlock };
  labelPathologySpans(switches, { 'missing-index': 'payment.fraud_check', 'event-loop-block': 'payment.risk_score' });
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    database: { name: 'payment', isUnavailable: isDatabaseUnavailable },
    readiness: { postgres: () => state.ping() },
    internalToken: config.INTERNAL_TOKEN,
    routers: [
      paymentRoutes({
        pool,
        logger,
        eventLoopBlock: eventLoopBlock.enabled,
        internalToken: config.INTERNAL_TOKEN,
        partners: createPartnersClient({ baseUrl: config.PARTNERS_URL, timeoutMs: config.PARTNERS_TIMEOUT_MS }),
      }),
      scenarioRoutes(switches, config.SCENARIO_TOKEN, {}, state),
    ],
  });
  const server = await listen(app, config.PAYMENT_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [
    ['http', () => closeServer(server)],
    ['shared state', () => state.close()],
    ['postgres', () => pool.end()],
  ]);
}

main().catch((error: unknown) => {
  console.error('payment-service failed to start', error);
  process.exit(1);
});
