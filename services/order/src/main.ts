/** Order service entry point. Start with `node --require @tracecart/telemetry/register dist/main.js`. */
import path from 'node:path';
import { loadConfig, serviceInstanceId } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import {
  EXERCISE_KEY,
  closeServer,
  createApp,
  flagSwitch,
  holdsInternalCredential,
  labelPathologySpans,
  listen,
  scenarioRoutes,
  sharedSwitch,
  shutdownOnSignals,
  switchKey,
} from '@tracecart/http';
import { brokerOptions, connectBroker, startOutboxRelay } from '@tracecart/messaging';
import { createPartnersClient } from '@tracecart/partners/client';
import { PAYMENT_CLIENT_ATTEMPTS, createPaymentClient } from '@tracecart/payment/client';
import { createPool, isDatabaseUnavailable, openDatabase, openSharedState } from '@tracecart/postgres';
import { STARVED_POOL_SIZE } from '@tracecart/scenarios';
import { declareTraceEdge } from '@tracecart/telemetry';
import { checkoutDeadlines } from './checkout-deadlines';
import { startIdempotencyRetention } from './idempotency-retention';
import { orderRoutes } from './routes';
import { startRecovery } from './recovery';
import { consumeShipmentEvents } from './shipment-events';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('order-service', config.LOG_LEVEL);
  // API clients start checkouts here: TRACE_EDGE_POLICY decides what their trace context becomes. The
  // shop calls with the internal credential, so a checkout from its page stays the page's trace.
  declareTraceEdge({
    policy: config.TRACE_EDGE_POLICY,
    routes: [{ method: 'POST', path: '/checkout' }],
    isTrusted: (request) => holdsInternalCredential(request, config.INTERNAL_TOKEN),
  });
  const { pool } = await openDatabase(config, 'order', path.join(__dirname, '..', 'migrations'), logger);
  // pool-starvation's pool: opens its one connection only when a starved checkout first asks for it.
  // Checkouts queue for it up to one payment timeout, not the normal pool's fail-fast second: at the quick
  // start's rate the pathology makes checkouts slow (they wait their turn), not broken (503).
  const starvedPool = createPool(config, 'order', { max: STARVED_POOL_SIZE, connectionTimeoutMs: config.PAYMENT_TIMEOUT_MS });
  const broker = await connectBroker(brokerOptions(config, 'order-service', logger));
  const instance = serviceInstanceId();
  const relay = startOutboxRelay({ pool, broker, logger, owner: instance });
  const startOn = config.SCENARIOS_AT_START === 'on';
  // The switches and the exercise mode are the service's, shared by its replicas (docs/scaling.md).
  const state = await openSharedState({
    config,
    service: 'order',
    logger,
    defaults: { [switchKey('n-plus-one')]: startOn, [switchKey('pool-starvation')]: startOn, [EXERCISE_KEY]: null },
  });
  const switches = {
    'n-plus-one': sharedSwitch(state, 'n-plus-one', flagSwitch(startOn)),
    'pool-starvation': sharedSwitch(state, 'pool-starvation', flagSwitch(startOn)),
  };
  labelPathologySpans(switches, { 'n-plus-one': 'checkout.load_cart', 'pool-starvation': 'checkout' });
  const deps = {
    pool,
    starvedPool,
    relay,
    logger,
    payments: createPaymentClient({
      baseUrl: config.PAYMENT_URL,
      timeoutMs: config.PAYMENT_TIMEOUT_MS,
      internalToken: config.INTERNAL_TOKEN,
    }),
    deadlines: checkoutDeadlines({
      paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS,
      paymentAttempts: PAYMENT_CLIENT_ATTEMPTS,
      reconcileAfterSeconds: config.PAYMENT_RECONCILE_AFTER_SECONDS,
    }),
    scenarios: { nPlusOne: switches['n-plus-one'].enabled, poolStarvation: switches['pool-starvation'].enabled },
  };
  // The hunt exercises' decoy: off until an exercise switches it on (PUT /scenarios/_exercise).
  const slowAudit = flagSwitch(false);
  const audit = {
    enabled: slowAudit.enabled,
    partners: createPartnersClient({ baseUrl: config.PARTNERS_URL, timeoutMs: config.PARTNERS_TIMEOUT_MS }),
    logger,
  };
  await consumeShipmentEvents(broker, pool, logger);
  const recovery = startRecovery(deps, { owner: instance });
  const retention = startIdempotencyRetention({ db: pool, logger, retentionHours: config.IDEMPOTENCY_RETENTION_HOURS, owner: instance });
  const app = createApp({
    logger,
    bodyLimit: config.HTTP_BODY_LIMIT,
    internalToken: config.INTERNAL_TOKEN,
    database: { name: 'order', isUnavailable: isDatabaseUnavailable },
    // On the state's own connection, not the pool: a starved pool makes order slow, not unready.
    readiness: { postgres: () => state.ping(), rabbitmq: async () => broker.connected() },
    routers: [orderRoutes({ ...deps, audit }), scenarioRoutes(switches, config.SCENARIO_TOKEN, { 'slow-audit': slowAudit }, state)],
  });
  const server = await listen(app, config.ORDER_PORT, logger, config.SERVICE_HOST);
  shutdownOnSignals(logger, [
    ['consumers', () => broker.stopConsuming()],
    ['http', () => closeServer(server)],
    ['in-flight messages', () => broker.idle()],
    ['recovery', async () => recovery.stop()],
    ['idempotency retention', async () => retention.stop()],
    ['outbox relay', () => relay.stop()],
    ['rabbitmq', () => broker.close()],
    ['shared state', () => state.close()],
    ['postgres', () => Promise.all([pool.end(), starvedPool.end()])],
  ]);
}

main().catch((error: unknown) => {
  console.error('order-service failed to start', error);
  process.exit(1);
});
