/**
 * docker-compose.yml and .env, checked without a Docker engine: parsed with the yaml package, .env
 * substituted the way compose does it, and compared against the config schema, the port contract,
 * jaeger/config.yaml and the Dockerfile.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configKeys, configSchema, demoCredentials, deploymentProblems } from '@tracecart/config';
import {
  buildArgsOf,
  defaultServices,
  endpointOf,
  environmentOf,
  healthcheckWords,
  imageTag,
  interpolate,
  InterpolationError,
  interpolateDeep,
  loadCompose,
  loadDockerfile,
  loadJaegerConfig,
  memoryLimitOf,
  parseDotEnv,
  parseMemory,
  parsePort,
  readPackageJson,
  readRepoFile,
  repoPath,
  servicePackages,
  type ComposeService,
  type PortMapping,
} from './docker-files';

const { compose, raw, dotEnv, usedVariables } = loadCompose();
const services = compose.services;
/** A ports entry as written: the short syntax's string, or the long syntax's mapping as JSON. */
const portText = (entry: NonNullable<ComposeService['ports']>[number]): string =>
  typeof entry === 'object' ? JSON.stringify(entry) : String(entry);
const ours = servicePackages(); // every folder under services/: one compose service each, same name
/** The checkout services with their own database (order, payment, shipping): they ship migrations. */
const withData = ours.filter((name) => existsSync(repoPath('services', name, 'migrations')));
/** Links printed or shown for a browser on the host: they name published ports on localhost. */
const BROWSER_LINKS = ['JAEGER_UI_URL', 'LAB_URL', 'STOREFRONT_URL'];
const configDefaults = configSchema.parse({});
const GiB = 1024 ** 3;
/** depends_on as a map (a list waits for a start only). */
const dependsOnOf = (definition: ComposeService): Record<string, { condition?: string }> =>
  Array.isArray(definition.depends_on)
    ? Object.fromEntries(definition.depends_on.map((name) => [name, { condition: 'service_started' }]))
    : (definition.depends_on ?? {});
/** One-shot services (the migrate steps): another service waits for each to exit successfully. */
const oneShot = new Set(
  Object.values(services).flatMap((definition) =>
    Object.entries(dependsOnOf(definition)).flatMap(([name, options]) =>
      options.condition === 'service_completed_successfully' ? [name] : [],
    ),
  ),
);
/** The containers `up` starts and keeps running. */
const longRunning = () => defaultServices(compose).filter(([name]) => !oneShot.has(name));

function service(name: string): ComposeService {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has no service ${name}`);
  return found;
}

const portOfUrl = (url: string): number => {
  const parsed = new URL(url);
  return Number(parsed.port || { 'http:': 80, 'https:': 443, 'amqp:': 5672, 'amqps:': 5671 }[parsed.protocol]);
};

/** The port a service of ours listens on: its <NAME>_PORT variable, e.g. ORDER_PORT for order. */
const listenPortKey = (name: string): string => `${name.toUpperCase()}_PORT`;
function listenPort(name: string): number {
  const value = environmentOf(service(name))[listenPortKey(name)];
  assert.ok(value, `${name} sets no ${listenPortKey(name)}`);
  return Number(value);
}

// Jaeger's ports inside its container, read from the mounted config with the container's environment.
const jaegerEnvironment = environmentOf(service('jaeger'));
const jaegerConfig = loadJaegerConfig(jaegerEnvironment);
const jaegerPorts = {
  query: endpointOf(jaegerConfig, 'extensions.jaeger_query.http.endpoint'),
  otlpGrpc: endpointOf(jaegerConfig, 'receivers.otlp.protocols.grpc.endpoint'),
  otlpHttp: endpointOf(jaegerConfig, 'receivers.otlp.protocols.http.endpoint'),
  health: endpointOf(jaegerConfig, 'extensions.healthcheckv2.http.endpoint'),
  sampling: endpointOf(jaegerConfig, 'extensions.remote_sampling.http.endpoint'),
  metrics: endpointOf(jaegerConfig, 'exporters.prometheus.endpoint'),
};

/** The images' own listening ports (not configurable in those images). */
const POSTGRES_CONTAINER_PORT = 5432;
const RABBITMQ_AMQP_CONTAINER_PORT = 5672;
const RABBITMQ_MANAGEMENT_PORT = 15672;
/** OTLP/gRPC's registered port; the config schema has no variable for it (services export over HTTP). */
const OTLP_GRPC_PORT = 4317;
/** Prometheus's own port in its image; Jaeger's remote sampling port as .env publishes it. */
const PROMETHEUS_CONTAINER_PORT = 9090;
const JAEGER_SAMPLING_PORT = 5778;

/**
 * The published-port contract: host port -> container port, per compose service. Host ports are the
 * config schema's defaults wherever the schema has them (so `pnpm scenario`, the tests and the load CLI
 * on the host reach the containers with no settings at all).
 */
const portContract: Record<string, Array<{ published: number; target: number }>> = {
  ...Object.fromEntries(
    ours.map((name) => {
      const port = configDefaults[listenPortKey(name) as 'ORDER_PORT'];
      return [name, [{ published: port, target: port }]];
    }),
  ),
  postgres: [{ published: configDefaults.POSTGRES_PORT, target: POSTGRES_CONTAINER_PORT }],
  rabbitmq: [
    { published: portOfUrl(configDefaults.RABBITMQ_URL), target: RABBITMQ_AMQP_CONTAINER_PORT },
    { published: RABBITMQ_MANAGEMENT_PORT, target: RABBITMQ_MANAGEMENT_PORT },
  ],
  jaeger: [
    { published: portOfUrl(configDefaults.JAEGER_UI_URL), target: jaegerPorts.query.port },
    { published: OTLP_GRPC_PORT, target: jaegerPorts.otlpGrpc.port },
    { published: portOfUrl(configDefaults.OTEL_EXPORTER_OTLP_ENDPOINT), target: jaegerPorts.otlpHttp.port },
    { published: JAEGER_SAMPLING_PORT, target: jaegerPorts.sampling.port },
  ],
  prometheus: [{ published: PROMETHEUS_CONTAINER_PORT, target: PROMETHEUS_CONTAINER_PORT }],
  lab: [{ published: configDefaults.LAB_PORT, target: configDefaults.LAB_PORT }],
};

describe('compose substitution (the reader these tests rely on)', () => {
  it('handles defaults, required values, $$ and unset names like compose', () => {
    const vars = new Map([
      ['SET', 'x'],
      ['EMPTY', ''],
    ]);
    assert.equal(interpolate('a${SET}b$SET', vars), 'axbx');
    assert.equal(interpolate('${EMPTY:-d}|${EMPTY-d}|${UNSET-d}|${UNSET:-${SET}}', vars), 'd||d|x');
    assert.equal(interpolate('${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}', vars), 'alt||alt');
    assert.equal(interpolate('cost: $$5', vars), 'cost: $5');
    assert.throws(() => interpolate('${UNSET}', vars), InterpolationError);
    assert.throws(() => interpolate('${EMPTY:?needed}', vars), /needed/);
    assert.equal(interpolate('${EMPTY?needed}', vars), '');
  });

  it('reads .env lines with comments and quotes', () => {
    const vars = parseDotEnv('# c\nA=1\nB="two words"\nC=3 # trailing\n\nexport D=4\n');
    assert.deepEqual(
      [...vars],
      [
        ['A', '1'],
        ['B', 'two words'],
        ['C', '3'],
        ['D', '4'],
      ],
    );
    assert.throws(() => parseDotEnv('A=1\nA=2\n'), /twice/);
  });

  it('reads memory sizes and port mappings in compose units', () => {
    assert.equal(parseMemory('160M'), 160 * 1024 ** 2);
    assert.equal(parseMemory('1g'), GiB);
    assert.equal(parseMemory('512mb'), 512 * 1024 ** 2);
    assert.deepEqual(parsePort('127.0.0.1:5433:5432'), { hostIp: '127.0.0.1', published: 5433, target: 5432, protocol: 'tcp' });
    assert.deepEqual(parsePort('5433:5432/udp'), { hostIp: undefined, published: 5433, target: 5432, protocol: 'udp' });
    assert.deepEqual(parsePort('4317'), { hostIp: undefined, published: undefined, target: 4317, protocol: 'tcp' });
  });
});

describe('.env', () => {
  it('says its values are demo defaults, not secrets', () => {
    const comments = readRepoFile('.env')
      .split('\n')
      .filter((line) => line.trimStart().startsWith('#'))
      .join('\n');
    assert.match(comments, /demo defaults/i);
    assert.match(comments, /not secrets/i);
  });

  it('defines every variable the compose file uses, and only those', () => {
    // Substitution is strict: loading already failed if a used variable were missing.
    const unused = [...dotEnv.keys()].filter((key) => !usedVariables.has(key));
    assert.deepEqual(unused, [], `.env entries that docker-compose.yml never uses: ${unused.join(', ')}`);
  });

  it('pins Node to a full version of the major that package.json requires, and pnpm to packageManager', () => {
    const root = readPackageJson('.');
    const nodeVersion = dotEnv.get('NODE_VERSION') ?? '';
    assert.match(nodeVersion, /^\d+\.\d+\.\d+$/);
    const requiredMajor = /(\d+)/.exec(root.engines?.node ?? '')?.[1];
    assert.ok(requiredMajor, 'package.json engines.node names no major');
    assert.equal(nodeVersion.split('.')[0], requiredMajor);
    assert.equal(`pnpm@${dotEnv.get('PNPM_VERSION')}`, root.packageManager);
  });
});

describe('docker-compose.yml', () => {
  it('keeps at most 10 containers running by default: the infrastructure, one per service and the lab console', () => {
    const started = longRunning();
    const containers = started.reduce((sum, [, definition]) => sum + (definition.deploy?.replicas ?? definition.scale ?? 1), 0);
    assert.ok(containers <= 10, `${containers} containers by default`);
    assert.deepEqual(started.map(([name]) => name).sort(), [...ours, 'jaeger', 'lab', 'postgres', 'prometheus', 'rabbitmq'].sort());
  });

  it('builds the lab console from the Dockerfile stage that runs it, with a memory limit and a health check', () => {
    const lab = service('lab');
    assert.ok(typeof lab.build === 'object' && lab.build.target === 'lab', 'lab is built from the Dockerfile stage lab');
    assert.ok(
      loadDockerfile().stages.some((stage) => stage.name === 'lab'),
      'the Dockerfile has a lab stage',
    );
    assert.ok((memoryLimitOf(lab) ?? Infinity) <= 128 * 1024 ** 2, 'lab is limited to 128 MiB');
    assert.match(JSON.stringify(lab.healthcheck?.test ?? ''), /\/healthz/);
  });

  it('keeps the load generator behind a profile, built from the Dockerfile stage that runs it', () => {
    const load = service('load');
    assert.ok((load.profiles ?? []).length > 0, 'load has no profile, so `up` would start it');
    assert.ok(typeof load.build === 'object', 'load is not built from the Dockerfile');
    const stages = loadDockerfile().stages.map((stage) => stage.name);
    assert.ok(
      load.build.target && stages.includes(load.build.target),
      `load builds target ${load.build.target}, stages: ${stages.join(', ')}`,
    );
    assert.equal(buildArgsOf(load).SERVICE, 'load');
    assert.ok(existsSync(repoPath('load', 'tools', 'package.json')));
  });

  it('builds each service of ours from the one Dockerfile with SERVICE set to its package folder', () => {
    const dockerfile = loadDockerfile();
    for (const name of ours) {
      const definition = service(name);
      assert.ok(typeof definition.build === 'object', `${name} has no build section`);
      assert.equal(path.resolve(repoPath(definition.build.context ?? '.')), repoPath());
      assert.equal(definition.build.dockerfile ?? 'Dockerfile', 'Dockerfile');
      assert.equal(definition.build.target, undefined, `${name} must use the Dockerfile's default (last) stage`);
      const args = buildArgsOf(definition);
      assert.equal(args.SERVICE, name);
      assert.equal(Number(args.PORT), listenPort(name), `${name}: the EXPOSEd PORT differs from the listening port`);
      assert.equal(readPackageJson(`services/${name}`).name, `@tracecart/${name}`);
      // Build arguments that the Dockerfile also defaults must agree with it.
      for (const [arg, value] of Object.entries(args)) {
        const fallback = dockerfile.globalArgs.get(arg);
        if (fallback !== undefined) assert.equal(value, fallback, `${name}: build arg ${arg}`);
      }
    }
  });

  it('pins every image to a version tag, never latest', () => {
    for (const [name, definition] of Object.entries(services)) {
      assert.ok(definition.image, `${name} has no image (a built one needs a pinned tag too)`);
      const { tag } = imageTag(definition.image);
      assert.ok(tag, `${name}: ${definition.image} has no tag`);
      assert.notEqual(tag.toLowerCase(), 'latest', `${name}: ${definition.image}`);
      assert.match(tag, /^v?\d+\.\d+/, `${name}: ${definition.image} is not pinned to at least major.minor`);
    }
    // The raw file must take versions from .env, not spell them out.
    for (const [name, definition] of Object.entries(raw.services)) {
      assert.match(definition.image ?? '', /:\$\{[A-Z_]+/, `${name}: the image tag should come from .env`);
    }
  });

  it('never pulls the images it builds, nor rebuilds them on every up', () => {
    for (const [name, definition] of Object.entries(services)) {
      if (definition.build !== undefined) {
        // `never`: built when missing (or with --build), never pulled; `build` would rebuild on every `up`.
        assert.equal(
          (definition as { pull_policy?: string }).pull_policy,
          'never',
          `${name} could be pulled from a registry, or is rebuilt on every up`,
        );
      }
    }
  });

  it('runs each service with a database after its own one-shot migrate step, from its own image, which exits', () => {
    assert.deepEqual([...oneShot].sort(), withData.map((name) => `${name}-migrate`).sort());
    for (const name of withData) {
      const migrate = service(`${name}-migrate`);
      assert.equal(migrate.image, service(name).image, `${name}-migrate runs ${name}'s image`);
      assert.equal(migrate.build, undefined, `${name}-migrate builds nothing`);
      assert.equal((migrate as { pull_policy?: string }).pull_policy, 'never', `${name}-migrate must never pull the image ${name} builds`);
      const command = Array.isArray(migrate.command) ? migrate.command : (migrate.command ?? '').split(/\s+/);
      assert.deepEqual(command, ['node', 'dist/migrate.js']);
      assert.equal(migrate.restart, 'no', `${name}-migrate must not restart after it exits`);
      assert.equal(dependsOnOf(migrate).postgres?.condition, 'service_healthy');
      assert.equal(dependsOnOf(service(name))[`${name}-migrate`]?.condition, 'service_completed_successfully', name);
      const config = configSchema.parse(environmentOf(migrate));
      assert.equal(config.MIGRATE_AT_START, false);
      assert.equal(config.POSTGRES_HOST, 'postgres');
      assert.equal(config.POSTGRES_USER, environmentOf(service('postgres')).POSTGRES_USER);
      // The services themselves do not migrate at start.
      assert.equal(configSchema.parse(environmentOf(service(name))).MIGRATE_AT_START, false, name);
    }
  });

  it('waits at most two steps deep: nothing starts after a chain longer than PostgreSQL -> migrate -> service', () => {
    const waitsFor = (name: string): string[] =>
      Object.entries(dependsOnOf(service(name))).flatMap(([target, options]) => (options.condition === 'service_started' ? [] : [target]));
    const depth = (name: string, seen: string[] = []): number => {
      assert.ok(!seen.includes(name), `depends_on cycle: ${[...seen, name].join(' -> ')}`);
      return Math.max(0, ...waitsFor(name).map((target) => 1 + depth(target, [...seen, name])));
    };
    for (const [name] of defaultServices(compose)) assert.ok(depth(name) <= 2, `${name} waits through ${depth(name)} steps`);
  });

  it('gives every long-running container a healthcheck', () => {
    for (const [name, definition] of Object.entries(services).filter(([candidate]) => !oneShot.has(candidate))) {
      const words = healthcheckWords(definition);
      assert.ok(words.length > 1, `${name} has no healthcheck`);
      assert.notEqual(definition.healthcheck?.disable, true, `${name} disables its healthcheck`);
      assert.notEqual(words[0], 'NONE', `${name} disables its healthcheck`);
    }
  });

  it('checks readiness of PostgreSQL, RabbitMQ and Jaeger with their own tools and ports', () => {
    const pg = healthcheckWords(service('postgres'));
    assert.ok(pg.includes('pg_isready'), pg.join(' '));
    assert.equal(Number(pg[pg.indexOf('-p') + 1]), POSTGRES_CONTAINER_PORT);
    assert.equal(pg[pg.indexOf('-U') + 1], environmentOf(service('postgres')).POSTGRES_USER);

    const rabbit = healthcheckWords(service('rabbitmq')).join(' ');
    assert.match(rabbit, /rabbitmq-diagnostics .*(ping|check_port_connectivity|check_running)/);

    const jaeger = healthcheckWords(service('jaeger')).join(' ');
    const url = /https?:\/\/\S+/.exec(jaeger)?.[0];
    assert.ok(url, `jaeger healthcheck names no URL: ${jaeger}`);
    assert.equal(Number(new URL(url).port), jaegerPorts.health.port);
  });

  it("asks each service's /readyz on its own port with Node's fetch (the slim image has no curl)", () => {
    for (const name of ours) {
      const words = healthcheckWords(service(name));
      assert.deepEqual(words.slice(0, 3), ['CMD', 'node', '-e'], `${name}: ${words.join(' ')}`);
      const url = /https?:\/\/[^'"`\s]+/.exec(words[3] ?? '')?.[0];
      assert.ok(url, `${name}: the healthcheck script names no URL`);
      const parsed = new URL(url);
      assert.equal(parsed.pathname, '/readyz');
      assert.equal(Number(parsed.port), listenPort(name));
    }
  });

  it('healthcheck scripts exit 0 only when /readyz answers 2xx (run for real against a stand-in server)', async () => {
    // The scripts are read (and may fail an assertion) before the stand-in server opens: an open server
    // left behind by a failed assertion would keep this file running until the runner's timeout.
    const scripts = [...ours, 'load'].map((name) => {
      const script = healthcheckWords(service(name))[3] ?? '';
      const origin = /https?:\/\/[^/'"`\s]+/.exec(script)?.[0];
      assert.ok(origin, `${name}: no URL in its healthcheck script`);
      return { name, script, origin };
    });
    let status = 200;
    let requested = '';
    const server: Server = createServer((request, response) => {
      requested = request.url ?? '';
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    const run = (script: string) =>
      new Promise<number>((resolve) => {
        execFile(process.execPath, ['-e', script], { timeout: 10_000 }, (error) =>
          resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
        );
      });
    let port = 0;
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      for (const { name, script, origin } of scripts) {
        const local = script.replace(origin, `http://127.0.0.1:${port}`);
        status = 200;
        requested = '';
        assert.equal(await run(local), 0, `${name}: ready answered, yet the healthcheck failed`);
        assert.equal(requested, '/readyz', name);
        status = 503;
        assert.equal(await run(local), 1, `${name}: not ready, yet the healthcheck passed`);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const { name, script, origin } of scripts) {
      assert.equal(await run(script.replace(origin, `http://127.0.0.1:${port}`)), 1, `${name}: nothing listening must count as unhealthy`);
    }
  });

  it('waits for healthy (or, for a one-shot step, completed) dependencies, and depends on every container its environment points at', () => {
    for (const [name, definition] of Object.entries(services)) {
      const dependsOn = definition.depends_on ?? {};
      assert.ok(!Array.isArray(dependsOn), `${name}: depends_on as a list waits for nothing but a start`);
      for (const [target, options] of Object.entries(dependsOn)) {
        assert.ok(services[target], `${name} depends on unknown ${target}`);
        if (oneShot.has(target)) {
          assert.equal(options.condition, 'service_completed_successfully', `${name} -> ${target}`);
          continue;
        }
        // service_started: a dependency called per request only (the caller answers 503 meanwhile).
        assert.ok(['service_healthy', 'service_started'].includes(options.condition ?? ''), `${name} -> ${target}: ${options.condition}`);
        assert.ok(healthcheckWords(service(target)).length > 1, `${name} waits for ${target}, which has no healthcheck`);
      }
      const pointedAt = new Set<string>();
      for (const [key, value] of Object.entries(environmentOf(definition))) {
        if (key.endsWith('_HOST') && services[value]) pointedAt.add(value);
        if (URL.canParse(value)) {
          const host = new URL(value).hostname;
          if (services[host] && host !== name) pointedAt.add(host);
        }
      }
      // A container waited for through a one-shot step counts (the service waits for its migrate step,
      // which waited for PostgreSQL to be healthy).
      const through = Object.keys(dependsOn)
        .filter((target) => oneShot.has(target))
        .flatMap((step) => Object.keys(dependsOnOf(service(step))));
      const missing = [...pointedAt].filter((target) => !(target in dependsOn) && !through.includes(target));
      assert.deepEqual(missing, [], `${name} reaches ${missing.join(', ')} without waiting for it`);
    }
  });

  it('restarts the long-running containers unless stopped', () => {
    for (const [name, definition] of longRunning()) {
      assert.equal(definition.restart, 'unless-stopped', name);
    }
  });

  it('limits memory of every container, to at most 1.5 GiB in total for the long-running default ones', () => {
    let total = 0;
    for (const [name, definition] of Object.entries(services)) {
      const limit = memoryLimitOf(definition);
      assert.ok(limit !== undefined && limit > 0, `${name} has no memory limit`);
      // A one-shot container has exited before the services take traffic: it counts against nothing.
      if ((definition.profiles ?? []).length === 0 && !oneShot.has(name)) total += limit * (definition.deploy?.replicas ?? 1);
    }
    assert.ok(total <= 1.5 * GiB, `default containers may use ${(total / 1024 ** 2).toFixed(0)} MiB`);
  });

  it('publishes exactly the contract ports', () => {
    const published = new Map<number, string>();
    for (const [name, definition] of Object.entries(services)) {
      const mappings: PortMapping[] = (definition.ports ?? []).map(parsePort);
      const expected = portContract[name] ?? [];
      assert.deepEqual(
        mappings.map(({ published: host, target }) => ({ published: host, target })).sort((a, b) => a.target - b.target),
        [...expected].sort((a, b) => a.target - b.target),
        `${name} ports`,
      );
      for (const mapping of mappings) {
        assert.equal(mapping.protocol, 'tcp');
        const host = mapping.published as number;
        assert.ok(!published.has(host), `host port ${host} published by ${published.get(host)} and ${name}`);
        published.set(host, name);
      }
    }
    assert.deepEqual(
      [...published.keys()].sort((a, b) => a - b),
      Object.values(portContract)
        .flat()
        .map((mapping) => mapping.published)
        .sort((a, b) => a - b),
    );
  });

  it('takes every published port and version from .env', () => {
    for (const [name, definition] of Object.entries(raw.services)) {
      for (const entry of definition.ports ?? []) {
        assert.match(
          portText(entry),
          /^\$\{PUBLISH_HOST:-127\.0\.0\.1\}:\$\{[A-Z_]+(:\?[^}]*)?\}:/,
          `${name}: ${portText(entry)} does not take its host address and port from .env`,
        );
      }
    }
  });

  it('publishes every port on 127.0.0.1 unless PUBLISH_HOST says otherwise, and .env keeps that default', () => {
    assert.equal(dotEnv.get('PUBLISH_HOST'), '127.0.0.1');
    const withoutEntry = new Map(dotEnv);
    withoutEntry.delete('PUBLISH_HOST');
    const wider = new Map(dotEnv).set('PUBLISH_HOST', '0.0.0.0');
    for (const [vars, expected] of [
      [dotEnv, '127.0.0.1'],
      [withoutEntry, '127.0.0.1'],
      [wider, '0.0.0.0'],
    ] as const) {
      const substituted = interpolateDeep(raw, vars, new Set()) as typeof compose;
      for (const [name, definition] of Object.entries(substituted.services)) {
        for (const entry of definition.ports ?? []) {
          assert.equal(parsePort(entry).hostIp, expected, `${name}: ${portText(entry)}`);
        }
      }
    }
  });

  it("sets only the config schema's variables on our services, their migrate steps and the load generator, all valid", () => {
    for (const name of [...ours, ...oneShot, 'load', 'lab']) {
      const environment = environmentOf(service(name));
      const unknown = Object.keys(environment).filter((key) => !(configKeys as string[]).includes(key));
      assert.deepEqual(unknown, [], `${name} sets variables that @tracecart/config does not know`);
      const parsed = configSchema.safeParse(environment);
      assert.ok(parsed.success, `${name}: ${parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    }
  });

  it('points our services at the containers, not localhost, with the credentials those containers use', () => {
    const postgresEnv = environmentOf(service('postgres'));
    const rabbitEnv = environmentOf(service('rabbitmq'));
    for (const name of ours) {
      const config = configSchema.parse(environmentOf(service(name)));
      // Checkout services are `<name>-service` in traces; the shop and the partners stand-in go by their own names.
      assert.equal(config.OTEL_SERVICE_NAME, withData.includes(name) ? `${name}-service` : name);
      assert.equal(config.NODE_ENV, 'production');
      // Every URL that names a container uses the port it listens on; only links a browser follows may say localhost.
      for (const [key, value] of Object.entries(environmentOf(service(name)))) {
        if (!key.endsWith('_URL') || !URL.canParse(value) || BROWSER_LINKS.includes(key)) continue;
        const host = new URL(value).hostname;
        assert.notEqual(host, 'localhost', `${name}: ${key}`);
        assert.notEqual(host, '127.0.0.1', `${name}: ${key}`);
        if (ours.includes(host)) assert.equal(portOfUrl(value), listenPort(host), `${name}: ${key}`);
      }
    }
    for (const name of withData) {
      const config = configSchema.parse(environmentOf(service(name)));
      assert.equal(config.POSTGRES_HOST, 'postgres');
      assert.equal(config.POSTGRES_PORT, POSTGRES_CONTAINER_PORT);
      assert.equal(config.POSTGRES_USER, postgresEnv.POSTGRES_USER);
      assert.equal(config.POSTGRES_PASSWORD, postgresEnv.POSTGRES_PASSWORD);
      const amqp = new URL(config.RABBITMQ_URL);
      assert.equal(amqp.hostname, 'rabbitmq');
      assert.equal(portOfUrl(config.RABBITMQ_URL), RABBITMQ_AMQP_CONTAINER_PORT);
      assert.equal(decodeURIComponent(amqp.username), rabbitEnv.RABBITMQ_DEFAULT_USER);
      assert.equal(decodeURIComponent(amqp.password), rabbitEnv.RABBITMQ_DEFAULT_PASS);
      assert.equal(config.SCENARIO_TOKEN, dotEnv.get('SCENARIO_TOKEN'));
    }
    assert.equal(new URL(configSchema.parse(environmentOf(service('order'))).PAYMENT_URL).hostname, 'payment');
  });

  it('gives every service of ours the deployment and both secrets from .env: declared production, the demo tokens are refused', () => {
    assert.equal(dotEnv.get('TRACECART_DEPLOYMENT'), 'demo');
    assert.equal(dotEnv.get('INTERNAL_TOKEN'), demoCredentials.internal);
    const own = { SCENARIO_TOKEN: 'fake-operator-scenario-secret', INTERNAL_TOKEN: 'fake-operator-internal-secret' };
    const declared = (vars: Map<string, string>) => (interpolateDeep(raw, vars, new Set()) as typeof compose).services;
    const demoProduction = declared(new Map(dotEnv).set('TRACECART_DEPLOYMENT', 'production'));
    const ownProduction = declared(new Map([...dotEnv, ...Object.entries(own)]).set('TRACECART_DEPLOYMENT', 'production'));
    for (const name of ours) {
      const config = configSchema.parse(environmentOf(service(name)));
      assert.equal(config.TRACECART_DEPLOYMENT, 'demo', name);
      assert.equal(config.SCENARIO_TOKEN, dotEnv.get('SCENARIO_TOKEN'), name);
      assert.equal(config.INTERNAL_TOKEN, dotEnv.get('INTERNAL_TOKEN'), `${name}: one INTERNAL_TOKEN for every service`);
      const refused = deploymentProblems(configSchema.parse(environmentOf(demoProduction[name]!)));
      assert.deepEqual(
        refused.map((problem) => problem.split(':')[0]),
        ['SCENARIO_TOKEN', 'INTERNAL_TOKEN'],
        name,
      );
      const accepted = configSchema.parse(environmentOf(ownProduction[name]!));
      assert.deepEqual(deploymentProblems(accepted), [], name);
      assert.equal(accepted.INTERNAL_TOKEN, own.INTERNAL_TOKEN, name);
    }
  });

  it('gives both public edges (order, the shop) TRACE_EDGE_POLICY from .env, continue by default', () => {
    assert.equal(dotEnv.get('TRACE_EDGE_POLICY'), 'continue');
    const linkOnly = (interpolateDeep(raw, new Map(dotEnv).set('TRACE_EDGE_POLICY', 'link-only'), new Set()) as typeof compose).services;
    for (const name of ['order', 'storefront']) {
      assert.equal(environmentOf(service(name)).TRACE_EDGE_POLICY, 'continue', name);
      assert.equal(configSchema.parse(environmentOf(linkOnly[name]!)).TRACE_EDGE_POLICY, 'link-only', name);
    }
  });

  it('binds order, payment, shipping and the partners stand-in on every interface of their containers (their default is loopback)', () => {
    assert.equal(configSchema.parse({}).SERVICE_HOST, '127.0.0.1');
    for (const name of ours.filter((other) => other !== 'storefront')) {
      assert.equal(
        configSchema.parse(environmentOf(service(name))).SERVICE_HOST,
        '0.0.0.0',
        `${name}: on loopback the published port would reach nothing`,
      );
    }
  });

  it('binds the shop on every interface of its container, and links its page to the published ports', () => {
    const config = configSchema.parse(environmentOf(service('storefront')));
    assert.equal(config.STOREFRONT_HOST, '0.0.0.0', 'on loopback the published port would reach nothing');
    assert.equal(new URL(config.ORDER_URL).hostname, 'order');
    assert.equal(portOfUrl(config.ORDER_URL), listenPort('order'));
    assert.equal(new URL(config.JAEGER_QUERY_URL).hostname, 'jaeger');
    assert.equal(portOfUrl(config.JAEGER_QUERY_URL), jaegerPorts.query.port);
    const uiPort = (service('jaeger').ports ?? []).map(parsePort).find((mapping) => mapping.target === jaegerPorts.query.port);
    assert.equal(new URL(config.JAEGER_UI_URL).hostname, 'localhost');
    assert.equal(portOfUrl(config.JAEGER_UI_URL), uiPort?.published);
    // The lab console's published port once it has a container; until then the schema's default.
    const lab = services.lab ? (services.lab.ports ?? []).map(parsePort)[0]?.published : portOfUrl(configDefaults.LAB_URL);
    assert.equal(new URL(config.LAB_URL).hostname, 'localhost');
    assert.equal(portOfUrl(config.LAB_URL), lab);
  });

  it('sends every span to http://jaeger:4318, the port Jaeger receives OTLP/HTTP on', () => {
    const expected = `http://jaeger:${jaegerPorts.otlpHttp.port}`;
    assert.equal(expected, 'http://jaeger:4318');
    for (const name of ours) {
      assert.equal(environmentOf(service(name)).OTEL_EXPORTER_OTLP_ENDPOINT, expected, name);
    }
  });

  it('points the load generator at the order service, and its printed Jaeger links at the published UI', () => {
    const config = configSchema.parse(environmentOf(service('load')));
    assert.equal(new URL(config.ORDER_URL).hostname, 'order');
    assert.equal(portOfUrl(config.ORDER_URL), listenPort('order'));
    const uiPort = (service('jaeger').ports ?? []).map(parsePort).find((mapping) => mapping.target === jaegerPorts.query.port);
    assert.equal(portOfUrl(config.JAEGER_UI_URL), uiPort?.published);
    assert.equal(new URL(config.JAEGER_QUERY_URL).hostname, 'jaeger');
    assert.equal(portOfUrl(config.JAEGER_QUERY_URL), jaegerPorts.query.port);
  });

  it('mounts jaeger/config.yaml read-only where --config points, listening on all interfaces', () => {
    const jaeger = service('jaeger');
    const command = Array.isArray(jaeger.command) ? jaeger.command : (jaeger.command ?? '').split(/\s+/);
    const configPath = command[command.indexOf('--config') + 1]?.replace(/^file:/, '');
    assert.ok(configPath, 'jaeger is not started with --config');
    const mount = (jaeger.volumes ?? [])
      .map((volume) =>
        typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target, volume.read_only ? 'ro' : 'rw'],
      )
      .find(([, target]) => target === configPath);
    assert.ok(mount, `nothing is mounted at ${configPath}`);
    assert.equal(path.resolve(repoPath(), mount[0] as string), repoPath('jaeger', 'config.yaml'));
    assert.equal(mount[2], 'ro');
    assert.equal(jaegerEnvironment.JAEGER_LISTEN_HOST, '0.0.0.0');
    for (const [which, endpoint] of Object.entries(jaegerPorts)) assert.equal(endpoint.host, '0.0.0.0', which);
    // Without the container's environment the same file keeps listening on loopback (the local binary).
    assert.equal(endpointOf(loadJaegerConfig({}), 'receivers.otlp.protocols.http.endpoint').host, '127.0.0.1');
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const volumes = service('postgres').volumes ?? [];
    const data = volumes
      .map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target]))
      .find(([, target]) => target === '/var/lib/postgresql/data');
    assert.ok(data, 'nothing is mounted at /var/lib/postgresql/data');
    assert.ok(compose.volumes && (data[0] as string) in compose.volumes, `${data[0]} is not a named volume`);
  });

  it("keeps RabbitMQ's memory alarm below its container's memory limit", () => {
    const rabbit = service('rabbitmq');
    const mount = (rabbit.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target]))
      .find(([, target]) => (target ?? '').startsWith('/etc/rabbitmq/conf.d/'));
    assert.ok(mount, 'no RabbitMQ configuration is mounted into conf.d');
    const conf = readFileSync(path.resolve(repoPath(), mount[0] as string), 'utf8');
    const watermark = /^vm_memory_high_watermark\.absolute\s*=\s*(\S+)/m.exec(conf)?.[1];
    assert.ok(watermark, 'no absolute memory watermark');
    const limit = memoryLimitOf(rabbit) as number;
    assert.ok(parseMemory(watermark) < limit, `watermark ${watermark} is not below the ${limit} byte limit`);
  });
});
