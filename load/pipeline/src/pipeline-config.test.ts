/**
 * One source for the pipeline's configuration (issue 24): the local stack (scripts/stack-pipeline.sh) and
 * the Kubernetes chart read the same jaeger/pipeline/*.yaml and prometheus/prometheus-pipeline.yml, each
 * with its own environment. Rendered for the local stack's environment (taken from the stack script itself)
 * and for a Kubernetes-like one, the configurations must agree on everything but addresses, ports and file
 * locations; every variable they read is documented in docs/tracing-pipeline.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  differences,
  differencesBeyondAddresses,
  isAddress,
  mergeConfigs,
  referencedVariables,
  renderConfig,
  requiredVariables,
  type Env,
} from './config-render';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

type Role = 'collector.1' | 'collector.2' | 'ingester.1' | 'ingester.2' | 'jaeger-query';
const roleFile = (role: Role) => `jaeger/pipeline/${role === 'jaeger-query' ? 'query' : role.replace(/\.\d$/, '')}.yaml`;

/** The environment scripts/stack-pipeline.sh gives one Jaeger process of a stack shifted by `offset`. */
function localEnv(role: Role, offset: number): Env {
  const script = [
    'set -e',
    'source scripts/lib.sh',
    'source scripts/stack-pipeline.sh',
    // The UI pieces come from scripts/stack; their values are file locations, set here as the stack would.
    'jaeger_ui_config() { echo "$REPO_ROOT/jaeger/ui-config.json"; }',
    'jaeger_ui_assets() { echo "$REPO_ROOT/../shared/jaeger-ui"; }',
    `jaeger_role_env ${role}`,
    'env -0',
  ].join('\n');
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(KAFKA|CASSANDRA|COLLECTOR|INGESTER|JAEGER|PROMETHEUS|TAIL_SAMPLING)_/.test(key)),
  );
  const output = execFileSync('bash', ['-c', script], {
    cwd: repoRoot,
    env: { ...clean, STACK_PORT_OFFSET: String(offset) },
    encoding: 'utf8',
  });
  return Object.fromEntries(
    output
      .split('\0')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** What a pod of the chart gets: service names, listening on every interface, the documented default ports. */
const kubernetesEnv: Env = {
  JAEGER_LISTEN_HOST: '0.0.0.0',
  KAFKA_BROKERS: 'kafka-0.kafka:9092',
  KAFKA_SPANS_TOPIC: 'jaeger-spans',
  CASSANDRA_SERVERS: 'cassandra-0.cassandra',
  CASSANDRA_KEYSPACE: 'jaeger_v1_tracecart',
  PROMETHEUS_URL: 'http://prometheus:9090',
  JAEGER_UI_CONFIG: '/etc/jaeger/ui-config.json',
  JAEGER_SAMPLING_STRATEGIES: '/etc/jaeger/sampling-strategies.json',
};

const roles: Role[] = ['collector.1', 'collector.2', 'ingester.1', 'ingester.2', 'jaeger-query'];

describe('the pipeline configuration has one source for the local stack and Kubernetes', () => {
  for (const role of roles) {
    for (const sampling of role.startsWith('ingester') ? ['off', 'tail'] : ['off']) {
      it(`${role} (trace sampling ${sampling}): the same configuration but for addresses, ports and file locations`, () => {
        const texts = [read(roleFile(role)), ...(sampling === 'tail' ? [read('jaeger/sampling-tail.yaml')] : [])];
        const local = renderConfig(texts, localEnv(role, 6000));
        const cluster = renderConfig(texts, kubernetesEnv);
        assert.deepEqual(differencesBeyondAddresses(local, cluster), []);
        // The two do differ (else the comparison above proved nothing): at least the listening address.
        assert.ok(differences(local, cluster).length > 0, 'the local and Kubernetes renderings are identical');
      });
    }
  }

  it('every Jaeger process of one local stack listens on ports of its own', () => {
    const listened = roles.flatMap((role) => {
      const rendered = renderConfig([read(roleFile(role))], localEnv(role, 6000));
      return JSON.stringify(rendered).match(/"endpoint":"127\.0\.0\.1:\d+"/g) ?? [];
    });
    assert.ok(listened.length >= 10, `only ${listened.length} listening endpoints found`);
    assert.equal(new Set(listened).size, listened.length, `a port is used twice: ${listened.join(' ')}`);
  });

  it('the local stack listens on loopback only, and shifts every port by STACK_PORT_OFFSET', () => {
    for (const role of roles) {
      const base = JSON.stringify(renderConfig([read(roleFile(role))], localEnv(role, 0)));
      const shifted = JSON.stringify(renderConfig([read(roleFile(role))], localEnv(role, 6000)));
      const ports = (text: string) =>
        [...text.matchAll(/"endpoint":"([^"/]+):(\d+)"/g)].map((match) => ({ host: match[1], port: Number(match[2]) }));
      assert.ok(ports(base).length > 0, `${role}: no endpoint`);
      for (const endpoint of ports(base)) assert.equal(endpoint.host, '127.0.0.1', `${role} listens on ${endpoint.host}`);
      assert.deepEqual(
        ports(shifted).map((endpoint) => endpoint.port),
        ports(base).map((endpoint) => endpoint.port + 6000),
      );
    }
  });

  it('each variable a configuration reads without a default is set by the local stack and in the Kubernetes environment', () => {
    for (const role of roles) {
      const env = localEnv(role, 6000);
      for (const name of requiredVariables(read(roleFile(role)))) {
        assert.ok(env[name], `${role}: the stack does not set ${name}`);
        assert.ok(kubernetesEnv[name], `${role}: the Kubernetes environment lacks ${name}`);
      }
    }
  });

  it('every variable the configurations read is documented in docs/tracing-pipeline.md', () => {
    const doc = read('docs/tracing-pipeline.md');
    const files = [
      'jaeger/pipeline/collector.yaml',
      'jaeger/pipeline/ingester.yaml',
      'jaeger/pipeline/query.yaml',
      'jaeger/sampling-tail.yaml',
    ];
    const names = [...new Set(files.flatMap((file) => referencedVariables(read(file))))];
    assert.ok(names.length > 15, `only ${names.length} variables found`);
    const missing = names.filter((name) => !doc.includes(`\`${name}\``));
    assert.deepEqual(missing, [], 'variables read by the pipeline configs but not documented');
  });

  it("Prometheus: the local copy differs from the chart's file only in the collectors' addresses", () => {
    const source = read('prometheus/prometheus-pipeline.yml');
    const local = execFileSync('bash', ['-c', 'source scripts/lib.sh; source scripts/stack-pipeline.sh; pipeline_prometheus_config'], {
      cwd: repoRoot,
      env: { ...process.env, STACK_PORT_OFFSET: '6000' },
      encoding: 'utf8',
    });
    const found = differences(parse(source), parse(local));
    assert.equal(found.length, 2, JSON.stringify(found));
    for (const difference of found) {
      assert.match(difference.path, /^scrape_configs\[0\]\.static_configs\[0\]\.targets\[\d\]$/);
      assert.ok(isAddress(difference.left) && isAddress(difference.right), JSON.stringify(difference));
    }
    assert.deepEqual(
      found.map((difference) => difference.right),
      ['127.0.0.1:14891', '127.0.0.1:14892'],
    );
  });
});

describe('the renderer itself', () => {
  it('expands values, defaults and empty variables as the collector does, and merges maps but replaces lists', () => {
    const rendered = renderConfig(
      ['a: ${env:A}\nb: ${env:B:-7}\nc: "${env:C:-}"\nlist: [1, 2]\nmap: {x: 1, y: 2}\n', 'list: [3]\nmap: {y: 5}\n'],
      { A: 'x:1' },
    );
    assert.deepEqual(rendered, { a: 'x:1', b: 7, c: '', list: [3], map: { x: 1, y: 5 } });
    assert.deepEqual(mergeConfigs({ a: { b: 1 } }, { a: 2 }), { a: 2 });
  });

  it('tells an address difference from any other', () => {
    assert.deepEqual(differencesBeyondAddresses({ endpoint: '127.0.0.1:4318' }, { endpoint: '0.0.0.0:4318' }), []);
    assert.deepEqual(differencesBeyondAddresses({ brokers: '127.0.0.1:15092' }, { brokers: 'kafka-0.kafka:9092,kafka-1.kafka:9092' }), []);
    assert.equal(differencesBeyondAddresses({ endpoint: '127.0.0.1:4318' }, { endpoint: 'not an address' }).length, 1);
    assert.equal(differencesBeyondAddresses({ decision_wait: '10s' }, { decision_wait: '30s' }).length, 1);
    assert.equal(differencesBeyondAddresses({ group_id: 'a' }, {}).length, 1);
  });
});
