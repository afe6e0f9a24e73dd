/**
 * The one configuration schema for every Tracecart process: the three services, the load and report CLIs,
 * the local stack and docker-compose all read the same variable names and defaults from here.
 */
import { hostname } from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/**
 * The demo defaults of the two shared secrets: anyone can read them here, so they only guard a local
 * workshop stack. TRACECART_DEPLOYMENT=production refuses to start with either (deploymentProblems).
 */
export const demoCredentials = {
  scenario: 'tracecart-demo-token',
  internal: 'tracecart-internal-demo-token',
} as const;

/** How a public edge treats a caller's trace context (docs/tracing-edge-policy.md). */
export const traceEdgePolicies = ['continue', 'link-only', 'ignore'] as const;
export type TraceEdgePolicy = (typeof traceEdgePolicies)[number];

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * What the operator says this is: `demo` (a workshop or a laptop, the default) or `production` (a real
   * deployment), which refuses to start with the demo SCENARIO_TOKEN or INTERNAL_TOKEN. Not NODE_ENV:
   * compose and the Dockerfile set that to `production` for Node's own sake, demo or not.
   */
  TRACECART_DEPLOYMENT: z.enum(['demo', 'production']).default('demo'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** The address order, payment, shipping and the partners stand-in bind: loopback unless a container needs every interface. */
  SERVICE_HOST: z.string().min(1).default('127.0.0.1'),
  ORDER_PORT: port.default(8080),
  PAYMENT_PORT: port.default(8081),
  SHIPPING_PORT: port.default(8082),
  /** The shop (services/storefront): its web page, its API proxy to order, its intake of browser spans. */
  STOREFRONT_PORT: port.default(8083),
  /** The address the shop binds: loopback unless a container needs every interface. */
  STOREFRONT_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where a browser reaches the shop (tests, links from Jaeger's UI). */
  STOREFRONT_URL: z.url().default('http://localhost:8083'),
  /** Where a browser reaches the lab console; the shop links to it, and the console accepts changes only from this origin. */
  LAB_URL: z.url().default('http://localhost:8084'),
  /** The partners stand-in: the carrier's rate-quote API and the card network (third parties we do not control). */
  PARTNERS_PORT: port.default(8085),
  /** The lab console (load/console): its port, the address it binds (loopback unless a container needs every interface), where it keeps each run's report. */
  LAB_PORT: port.default(8084),
  LAB_HOST: z.string().min(1).default('127.0.0.1'),
  LAB_DATA_DIR: z.string().min(1).default('.stack/lab'),
  /** Where the order service reaches payment; the scenario CLI reaches each service the same way. */
  ORDER_URL: z.url().default('http://localhost:8080'),
  PAYMENT_URL: z.url().default('http://localhost:8081'),
  SHIPPING_URL: z.url().default('http://localhost:8082'),
  /** Where payment and shipping (and order's exercise decoy) reach the partners stand-in. */
  PARTNERS_URL: z.url().default('http://localhost:8085'),
  /** The partners' simulated latencies: a carrier's rate quote and a card network authorisation. */
  PARTNERS_QUOTE_LATENCY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  PARTNERS_AUTHORISATION_LATENCY_MS: z.coerce.number().int().min(0).max(10_000).default(80),
  /** The audit service's latency: only the hunt exercises' decoy (slow-audit) calls it. */
  PARTNERS_AUDIT_LATENCY_MS: z.coerce.number().int().min(0).max(10_000).default(300),
  /** How long payment and shipping wait for a partner before giving up on one call. */
  PARTNERS_TIMEOUT_MS: positiveInt.default(3000),
  /** Largest JSON body any service accepts. */
  HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('100kb'),
  /** How long order waits for payment before giving up on one attempt. */
  PAYMENT_TIMEOUT_MS: positiveInt.default(5000),
  /**
   * Order's recovery sweeper voids an authorisation whose order never committed once payment has not
   * answered anyone about it for this long; a checkout that cannot commit within half of it gives up (503).
   */
  PAYMENT_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(10).max(86_400).default(60),

  POSTGRES_HOST: z.string().min(1).default('localhost'),
  POSTGRES_PORT: port.default(5432),
  POSTGRES_USER: z.string().min(1).default('tracecart'),
  POSTGRES_PASSWORD: z.string().min(1).default('tracecart'),
  ORDER_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('tracecart_order'),
  PAYMENT_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('tracecart_payment'),
  SHIPPING_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('tracecart_shipping'),
  /**
   * `true`: a service creates its database and applies its migrations (seeds included) itself at start,
   * before it listens. Default `false`: the one-shot step `node dist/migrate.js` does it once per
   * deployment (the local stack's `up`, compose's migrate service), and the service starts against a
   * migrated database.
   */
  MIGRATE_AT_START: flag.default(false),
  /** Pool size per service when no pathology shrinks it. */
  POSTGRES_POOL_MAX: positiveInt.default(10),
  /** How long a request waits for a pooled connection before it fails fast (503). */
  POSTGRES_CONNECT_TIMEOUT_MS: positiveInt.default(1000),
  /** Parameterised queries as named prepared statements: parsed once per connection, not per call. */
  POSTGRES_PREPARED_STATEMENTS: flag.default(true),

  RABBITMQ_URL: z
    .string()
    .regex(/^amqps?:\/\//)
    .default('amqp://tracecart:tracecart@localhost:5672'),
  RABBITMQ_PREFETCH: positiveInt.default(10),
  /** Failed deliveries of one message before it is dead-lettered (RabbitMQ x-delivery-limit): it is tried at most this + 1 times. */
  RABBITMQ_DELIVERY_LIMIT: positiveInt.default(5),
  /** How long a publish waits for RabbitMQ's confirm before it fails (and is retried later by the outbox). */
  RABBITMQ_CONFIRM_TIMEOUT_MS: positiveInt.default(5000),
  /**
   * While a consumer's database is down, how often it checks whether it is back. The message waits in
   * the consumer meanwhile: an outage of any length spends none of its RABBITMQ_DELIVERY_LIMIT.
   */
  CONSUMER_OUTAGE_POLL_MS: positiveInt.default(1000),

  /** Bearer token that the scenario switch endpoints require. A demo default; set your own outside a workshop. */
  SCENARIO_TOKEN: z.string().min(8).default(demoCredentials.scenario),
  /**
   * Shared secret of service-to-service calls (order -> payment) and of `/internal/telemetry` from
   * another host, sent as `x-tracecart-internal-token`. A demo default; set your own outside a workshop.
   */
  INTERNAL_TOKEN: z.string().min(16).default(demoCredentials.internal),
  /** `on` starts every pathology switched on (the default, so a fresh stack shows problems), `off` the reverse. */
  SCENARIOS_AT_START: z.enum(['on', 'off']).default('on'),
  /** How long order keeps an Idempotency-Key's row (and so replays its answer) before its retention job deletes it. */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24),
  /** Query spans slower than this get an EXPLAIN summary event; 0 turns it off. */
  SLOW_QUERY_EXPLAIN_MS: z.coerce.number().int().min(0).default(20),

  /**
   * A caller's trace context at the public edges (order's POST /checkout, the shop's server): `continue`
   * joins the caller's trace (a browser-started checkout stays one trace), `link-only` starts a new trace
   * that links to the caller's span, `ignore` starts a new trace and forgets the caller's context.
   */
  TRACE_EDGE_POLICY: z.enum(traceEdgePolicies).default('continue'),

  /**
   * Which replica of its service this process is, as `service.instance.id` on every span's resource (Jaeger
   * shows it in the process tags). Default: the host name and SERVICE_REPLICA_SLOT (`<host>-2`), so a
   * replica keeps its id across restarts; Kubernetes sets the pod's name.
   */
  SERVICE_INSTANCE_ID: z.string().min(1).max(200).optional(),
  /** The replica's slot (1 to 3 on the local stack, `order.2` is slot 2): part of the default SERVICE_INSTANCE_ID. */
  SERVICE_REPLICA_SLOT: z.coerce.number().int().min(1).max(99).default(1),

  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://localhost:4318'),
  OTEL_SDK_DISABLED: flag.default(false),
  /** The standard head sampler; `parentbased_jaeger_remote` (read by @tracecart/telemetry) polls Jaeger's strategies. */
  OTEL_TRACES_SAMPLER: z.string().min(1).optional(),
  /** Jaeger's remote sampling endpoint, the default `endpoint` of parentbased_jaeger_remote. */
  JAEGER_SAMPLING_URL: z.url().default('http://localhost:5778'),
  JAEGER_QUERY_URL: z.url().default('http://localhost:16686'),
  JAEGER_UI_URL: z.url().default('http://localhost:16686'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof typeof configSchema.shape;

/** Every variable name the schema knows, for checks that compare other files against it. */
export const configKeys = Object.keys(configSchema.shape) as ConfigKey[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * What a declared production deployment must not run with: a secret whose value is the demo default
 * printed in this file (and the README), so anyone could switch pathologies or call payment.
 */
export function deploymentProblems(config: Config): string[] {
  if (config.TRACECART_DEPLOYMENT !== 'production') return [];
  const problems: string[] = [];
  const demo = [
    ['SCENARIO_TOKEN', config.SCENARIO_TOKEN === demoCredentials.scenario],
    ['INTERNAL_TOKEN', config.INTERNAL_TOKEN === demoCredentials.internal],
  ] as const;
  for (const [name, isDemo] of demo) {
    if (!isDemo) continue;
    problems.push(
      `${name}: TRACECART_DEPLOYMENT=production refuses the demo default, which anyone can read in the repository; ` +
        `set ${name} to a secret of your own (e.g. the output of \`openssl rand -hex 32\`), the same for every service`,
    );
  }
  return problems;
}

/** Parses the environment once; an invalid value, or a demo secret in production, stops the process with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known: Record<string, string> = {};
  for (const key of configKeys) {
    const value = env[key];
    if (value !== undefined && value !== '') known[key] = value;
  }
  const result = configSchema.safeParse(known);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const problems = deploymentProblems(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/**
 * The process's `service.instance.id`: SERVICE_INSTANCE_ID, else the host name and SERVICE_REPLICA_SLOT.
 * Read straight from the environment too (the telemetry preload runs before any config is loaded).
 */
export function serviceInstanceId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.SERVICE_INSTANCE_ID?.trim();
  if (given) return given;
  const slot = configSchema.shape.SERVICE_REPLICA_SLOT.safeParse(env.SERVICE_REPLICA_SLOT || undefined);
  return `${hostname()}-${slot.success ? slot.data : 1}`;
}

export type ServiceName = 'order' | 'payment' | 'shipping';

export function databaseFor(config: Config, service: ServiceName): string {
  return { order: config.ORDER_DATABASE, payment: config.PAYMENT_DATABASE, shipping: config.SHIPPING_DATABASE }[service];
}

export function portFor(config: Config, service: ServiceName): number {
  return { order: config.ORDER_PORT, payment: config.PAYMENT_PORT, shipping: config.SHIPPING_PORT }[service];
}

export function urlFor(config: Config, service: ServiceName): string {
  return { order: config.ORDER_URL, payment: config.PAYMENT_URL, shipping: config.SHIPPING_URL }[service];
}
