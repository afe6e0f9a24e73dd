/** Secrets and NetworkPolicies of the rendered chart. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoCredentials } from '@tracecart/config';
import { componentOf, parseManifests, podSpecOf, render, renderText, workloads, type Manifest } from './chart';

const secretOf = (manifests: Manifest[]): Record<string, string> => {
  const secret = manifests.find((manifest) => manifest.kind === 'Secret');
  assert.ok(secret);
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
};

describe('secrets', () => {
  it('are generated when not given: long, random, never the demo defaults', () => {
    const first = secretOf(render('single'));
    const second = secretOf(parseManifests(renderText('single')));
    for (const key of ['SCENARIO_TOKEN', 'INTERNAL_TOKEN', 'POSTGRES_PASSWORD', 'RABBITMQ_PASSWORD']) {
      assert.match(first[key] ?? '', /^[A-Za-z0-9]{32}$/, key);
      assert.notEqual(first[key], second[key], `${key} is random`);
    }
    assert.notEqual(first.SCENARIO_TOKEN, demoCredentials.scenario);
    assert.notEqual(first.INTERNAL_TOKEN, demoCredentials.internal);
    assert.equal(first.RABBITMQ_URL, `amqp://tracecart:${first.RABBITMQ_PASSWORD}@tracecart-rabbitmq:5672`);
  });

  it("use the given values, and the external broker's TLS scheme", () => {
    const secret = secretOf(render('external-database'));
    assert.equal(secret.POSTGRES_PASSWORD, 'fake-external-postgres-password');
    assert.equal(secret.RABBITMQ_URL, 'amqps://tracecart:fake-external-rabbitmq-password@rabbitmq.messaging.svc.cluster.local:5671');
  });

  it('reach the containers only through secretKeyRef, never as a literal value', () => {
    for (const manifest of workloads(render('single'))) {
      for (const container of podSpecOf(manifest)!.containers) {
        for (const variable of container.env ?? []) {
          if (/TOKEN|PASSWORD|RABBITMQ_URL|DEFAULT_PASS/.test(variable.name))
            assert.ok(variable.valueFrom?.secretKeyRef, `${manifest.metadata.name} ${variable.name}`);
        }
      }
    }
  });
});

describe('network policies', () => {
  const manifests = render('single');
  const policies = manifests.filter((manifest) => manifest.kind === 'NetworkPolicy');
  const admitted = (component: string): string[] =>
    policies
      .filter((policy) => policy.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component'] === component)
      .flatMap((policy) => policy.spec?.ingress ?? [])
      .flatMap((rule) =>
        (rule.from ?? [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'ANY' } } }]).map(
          (peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? 'RELEASE',
        ),
      )
      .sort();

  it('deny every pod of the release by default', () => {
    const deny = policies.find((policy) => (policy.spec?.ingress ?? []).length === 0);
    assert.ok(deny);
    const selector = deny.spec?.podSelector?.matchLabels ?? {};
    assert.deepEqual(Object.keys(selector).sort(), ['app.kubernetes.io/instance', 'app.kubernetes.io/name']);
    for (const workload of workloads(manifests)) {
      const labels = workload.kind === 'Pod' ? (workload.metadata.labels ?? {}) : (workload.spec?.template?.metadata?.labels ?? {});
      for (const [key, value] of Object.entries(selector))
        assert.equal(labels[key], value, `${workload.metadata.name} escapes the default deny`);
    }
  });

  it('admit payment only from order and the lab console', () => assert.deepEqual(admitted('payment'), ['lab', 'order']));
  it('admit PostgreSQL only from the services and the migrate Job', () =>
    assert.deepEqual(admitted('postgresql'), ['migrate', 'order', 'payment', 'shipping']));
  it('admit RabbitMQ only from the services', () => assert.deepEqual(admitted('rabbitmq'), ['order', 'payment', 'shipping']));
  it("admit Jaeger's OTLP from the release's pods, its UI from anyone", () =>
    assert.deepEqual(admitted('jaeger'), ['ANY', 'RELEASE', 'prometheus']));
  it("open only the shop, Jaeger's UI and the lab console to any client", () => {
    const open = [
      ...new Set(
        policies
          .filter((policy) => (policy.spec?.ingress ?? []).some((rule) => !rule.from))
          .map((policy) => policy.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component']),
      ),
    ].sort();
    assert.deepEqual(open, ['jaeger', 'lab', 'storefront']);
  });
  it('select components that exist', () => {
    const components = new Set(workloads(manifests).map(componentOf));
    for (const policy of policies) {
      const component = policy.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component'];
      if (component) assert.ok(components.has(component), `${policy.metadata.name} selects ${component}`);
    }
  });
});
