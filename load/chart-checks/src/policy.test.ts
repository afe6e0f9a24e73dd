/**
 * Policy tests on every profile's rendered manifests: what a platform engineer checks in review.
 * Every container has CPU and memory requests, a memory limit and the restricted security context; every
 * long-running container has both probes (ours on /readyz and /healthz); images are pinned by tag; every
 * Deployment with 2 or more replicas has a PodDisruptionBudget, single ones none; every object carries the
 * release's labels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  chartDir,
  componentOf,
  isOurImage,
  podSpecOf,
  profiles,
  releaseName,
  render,
  workloads,
  type Container,
  type Manifest,
} from './chart';

const appVersion = (parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion;
const longRunning = (manifest: Manifest): boolean => manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet';

function containersOf(manifest: Manifest): { container: Container; init: boolean }[] {
  const spec = podSpecOf(manifest);
  if (!spec) return [];
  return [
    ...(spec.initContainers ?? []).map((container) => ({ container, init: true })),
    ...spec.containers.map((container) => ({ container, init: false })),
  ];
}

const isSelectedBy = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

for (const profile of profiles) {
  describe(`policies of profile ${profile}`, () => {
    const manifests = render(profile);

    it('every container requests CPU and memory and has a memory limit', () => {
      for (const manifest of workloads(manifests)) {
        for (const { container } of containersOf(manifest)) {
          const where = `${manifest.kind}/${manifest.metadata.name} container ${container.name}`;
          assert.ok(container.resources?.requests?.cpu, `${where}: no CPU request`);
          assert.ok(container.resources?.requests?.memory, `${where}: no memory request`);
          assert.ok(container.resources?.limits?.memory, `${where}: no memory limit`);
        }
      }
    });

    it('every pod runs non-root with the RuntimeDefault seccomp profile', () => {
      for (const manifest of workloads(manifests)) {
        const spec = podSpecOf(manifest);
        assert.equal(spec?.securityContext?.runAsNonRoot, true, `${manifest.kind}/${manifest.metadata.name}: runAsNonRoot`);
        assert.ok((spec?.securityContext?.runAsUser ?? 0) > 0, `${manifest.kind}/${manifest.metadata.name}: runAsUser is not root`);
        assert.equal(spec?.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${manifest.kind}/${manifest.metadata.name}: seccomp`);
      }
    });

    it('every container drops all capabilities and cannot escalate; ours have a read-only root file system', () => {
      for (const manifest of workloads(manifests)) {
        for (const { container } of containersOf(manifest)) {
          const where = `${manifest.kind}/${manifest.metadata.name} container ${container.name}`;
          const context = container.securityContext;
          assert.equal(context?.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.deepEqual(context?.capabilities?.drop, ['ALL'], `${where}: capabilities.drop`);
          assert.equal(context?.capabilities?.add, undefined, `${where}: adds capabilities`);
          assert.notEqual(context?.privileged, true, `${where}: privileged`);
          if (isOurImage(container.image)) assert.equal(context?.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        }
      }
    });

    it('every long-running container has readiness and liveness probes; ours on /readyz and /healthz', () => {
      let ours = 0;
      for (const manifest of workloads(manifests).filter(longRunning)) {
        for (const { container, init } of containersOf(manifest)) {
          if (init) continue;
          const where = `${manifest.kind}/${manifest.metadata.name} container ${container.name}`;
          assert.ok(container.readinessProbe, `${where}: no readiness probe`);
          assert.ok(container.livenessProbe, `${where}: no liveness probe`);
          if (isOurImage(container.image)) {
            ours += 1;
            assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', `${where}: readiness path`);
            assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', `${where}: liveness path`);
          }
        }
      }
      assert.equal(ours, 6, 'order, payment, shipping, partners, storefront and the lab console');
    });

    it('every image is pinned by a tag (never latest); ours at the chart appVersion', () => {
      for (const manifest of workloads(manifests)) {
        for (const { container } of containersOf(manifest)) {
          const tag = /:([^/:]+)$/.exec(container.image)?.[1];
          assert.ok(tag && tag !== 'latest', `${manifest.metadata.name}: ${container.image} is not pinned`);
          if (isOurImage(container.image)) assert.equal(tag, appVersion, container.image);
        }
      }
    });

    it('every Deployment with 2 or more replicas has a PodDisruptionBudget that selects its pods; single ones none', () => {
      const budgets = manifests.filter((manifest) => manifest.kind === 'PodDisruptionBudget');
      const deployments = manifests.filter((manifest) => manifest.kind === 'Deployment');
      let replicated = 0;
      for (const deployment of deployments) {
        const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
        const covering = budgets.filter((budget) => isSelectedBy(budget.spec?.selector?.matchLabels ?? { none: 'none' }, podLabels));
        if ((deployment.spec?.replicas ?? 1) >= 2) {
          replicated += 1;
          assert.equal(
            covering.length,
            1,
            `${deployment.metadata.name}: ${deployment.spec?.replicas} replicas and ${covering.length} PodDisruptionBudgets`,
          );
          assert.ok(podSpecOf(deployment)?.topologySpreadConstraints?.length, `${deployment.metadata.name}: no topology spread`);
        } else {
          assert.equal(covering.length, 0, `${deployment.metadata.name}: one replica but a PodDisruptionBudget`);
        }
      }
      assert.ok(replicated >= 3, 'order, payment and shipping run 2 replicas by default');
    });

    it('every object and every pod template carries the release labels', () => {
      for (const manifest of manifests) {
        const labels = manifest.metadata.labels ?? {};
        const where = `${manifest.kind}/${manifest.metadata.name}`;
        assert.equal(labels['app.kubernetes.io/instance'], releaseName, `${where}: instance label`);
        assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm', `${where}: managed-by label`);
        assert.equal(labels['app.kubernetes.io/name'], 'tracecart', `${where}: name label`);
        assert.ok(labels['app.kubernetes.io/component'], `${where}: component label`);
        assert.match(labels['helm.sh/chart'] ?? '', /^tracecart-\d+\.\d+\.\d+$/, `${where}: chart label`);
        const template = manifest.spec?.template?.metadata?.labels;
        if (template) assert.equal(template['app.kubernetes.io/instance'], releaseName, `${where}: pod template instance label`);
        for (const claim of (manifest.spec as { volumeClaimTemplates?: Manifest[] } | undefined)?.volumeClaimTemplates ?? []) {
          assert.equal(claim.metadata.labels?.['app.kubernetes.io/instance'], releaseName, `${where}: claim template labels`);
        }
      }
    });

    it('the traced services take service.instance.id from the pod name', () => {
      for (const manifest of workloads(manifests).filter((workload) => workload.kind === 'Deployment')) {
        for (const { container, init } of containersOf(manifest)) {
          if (init || !isOurImage(container.image) || componentOf(manifest) === 'lab') continue;
          const variable = container.env?.find((entry) => entry.name === 'SERVICE_INSTANCE_ID');
          assert.equal(variable?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', `${manifest.metadata.name}: SERVICE_INSTANCE_ID`);
        }
      }
    });

    it("the services wait for the migrate Job, which runs every service's migrate.js", () => {
      const jobs = manifests.filter((manifest) => manifest.kind === 'Job');
      assert.equal(jobs.length, 1);
      const job = jobs[0]!;
      assert.deepEqual(
        podSpecOf(job)?.containers.map((container) => [container.name, container.command?.join(' ')]),
        [
          ['order', 'node dist/migrate.js'],
          ['payment', 'node dist/migrate.js'],
          ['shipping', 'node dist/migrate.js'],
        ],
      );
      assert.ok(!job.metadata.annotations?.['helm.sh/hook'], 'not a hook: a pre-install hook runs before the database exists');
      for (const name of ['order', 'payment', 'shipping']) {
        const deployment = manifests.find((manifest) => manifest.kind === 'Deployment' && componentOf(manifest) === name);
        const init = podSpecOf(deployment!)?.initContainers?.[0];
        assert.equal(init?.command?.join(' '), 'node dist/migrate.js --wait', `${name}'s init container`);
      }
    });
  });
}
