/** Shipping service entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import path from 'node:path';
import { loadConfig, serviceInstanceId } from '@tracecart/config';
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
import { brokerOptions, connectBroker, startOutboxRelay } from '@tracecart/messaging';
import { createPartnersClient } from '@tracecart/partners/client';
import { isDatabaseUnavailable, openDatabase, openSharedState } from '@tracecart/postgres';
import { consumeOrderPaid } from './order-paid-consumer';
import { shippingRoutes } from './routes';
import { listCarriers } from './shipments-repo';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('shipping-service', config.LOG_LEVEL);
  const { pool } = await openDatabase(config, 'shipping', path.join(__dirname, '..', 'migrations'), logger);
  const carriers = await listCarriers(pool);
  const broker = await connectBroker(brokerOptions(config, 'shipping-service', logger));
  const instance = serviceInstanceId();
  const relay = startOutboxRelay({ pool, broker, logger, owner: instance });
  const startOn = config.SCENARIOS_AT_START === 'on';
  // The switch and the exercise mode are the service's, shared by its replicas (docs/scaling.md).
  const state = await openSharedState({
    config,
    service: 'shipping',
    logger,
    defaults: { [switchKey('lock-contention')]: startOn, [EXERCISE_KEY]: null },
  });
  const lockContention = sharedSwitch(state, 'lock-contention', flagSwitch(startOn));
  labelPathologySpans({ 'lock-contention': lockContention }, { 'lock-contention': 'shipping.reserve_and_create' });
  const partners = createPartnersClient({ baseUrl: config.PARTNERS_URL, timeoutMs: config.PARTNERS_TIMEOUT_MS });
  await consumeOrderPaid({ broker, pool, relay, logger, carriers, partners, lockContention: lockContention.enabled });
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    internalToken: config.INTERNAL_TOKEN,
    database: { name: 'shipping', isUnavailable: isDatabaseUnavailable },
    readiness: { postgres: () => state.ping(), rabbitmq: async () => broker.connected() },
    routers: [shippingRoutes(pool), scenarioRoutes({ 'lock-contention': lockContention }, config.SCENARIO_TOKEN, {}, state)],
  });
  const server = await listen(app, config.SHIPPING_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [
    ['consumers', () => broker.stopConsuming()],
    ['http', () => closeServer(server)],
    ['in-flight messages', () => broker.idle()],
    ['outbox relay', () => relay.stop()],
    ['rabbitmq', () => broker.close()],
    ['shared state', () => state.close()],
    ['postgres', () => pool.end()],
  ]);
}

main().catch((error: unknown) => {
  console.error('shipping-service failed to start', error);
  process.exit(1);
});
