/** Shipping service entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import path from 'node:path';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { closeServer, createApp, flagSwitch, labelPathologySpans, listen, scenarioRoutes, shutdownOnSignals } from '@tracecart/http';
import { brokerOptions, connectBroker, startOutboxRelay } from '@tracecart/messaging';
import { createPartnersClient } from '@tracecart/partners/client';
import { isDatabaseUnavailable, openDatabase, ping } from '@tracecart/postgres';
import { consumeOrderPaid } from './order-paid-consumer';
import { shippingRoutes } from './routes';
import { listCarriers } from './shipments-repo';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('shipping-service', config.LOG_LEVEL);
  const { pool } = await openDatabase(config, 'shipping', path.join(__dirname, '..', 'migrations'), logger);
  const carriers = await listCarriers(pool);
  const broker = await connectBroker(brokerOptions(config, 'shipping-service', logger));
  const relay = startOutboxRelay({ pool, broker, logger });
  const lockContention = flagSwitch(config.SCENARIOS_AT_START === 'on');
  labelPathologySpans({ 'lock-contention': lockContention }, { 'lock-contention': 'shipping.reserve_and_create' });
  const partners = createPartnersClient({ baseUrl: config.PARTNERS_URL, timeoutMs: config.PARTNERS_TIMEOUT_MS });
  await consumeOrderPaid({ broker, pool, relay, logger, carriers, partners, lockContention: lockContention.enabled });
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    internalToken: config.INTERNAL_TOKEN,
    database: { name: 'shipping', isUnavailable: isDatabaseUnavailable },
    readiness: { postgres: () => ping(pool), rabbitmq: async () => broker.connected() },
    routers: [shippingRoutes(pool), scenarioRoutes({ 'lock-contention': lockContention }, config.SCENARIO_TOKEN)],
  });
  const server = await listen(app, config.SHIPPING_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [
    ['consumers', () => broker.stopConsuming()],
    ['http', () => closeServer(server)],
    ['in-flight messages', () => broker.idle()],
    ['outbox relay', () => relay.stop()],
    ['rabbitmq', () => broker.close()],
    ['postgres', () => pool.end()],
  ]);
}

main().catch((error: unknown) => {
  console.error('shipping-service failed to start', error);
  process.exit(1);
});
