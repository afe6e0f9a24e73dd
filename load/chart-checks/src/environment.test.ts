/**
 * The chart's environment variables against the one schema in shared/config: every variable set on one
 * of our containers is a name the schema knows, and every process gets at least the variables that
 * docker-compose.yml (the other deployment of the same images) gives it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configKeys } from '@tracecart/config';
import { componentOf, isOurImage, podSpecOf, profiles, render, repoRoot, workloads } from './chart';

const known = new Set<string>(configKeys);
const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, unknown> }>;
};
/** The chart's component for each of compose's services built from our Dockerfile. */
const components = ['order', 'payment', 'shipping', 'partners', 'storefront', 'lab'];

for (const profile of profiles) {
  describe(`environment of profile ${profile}`, () => {
    const manifests = render(profile);

    it('sets only variables that shared/config knows on our containers', () => {
      let checked = 0;
      for (const manifest of workloads(manifests)) {
        const spec = podSpecOf(manifest)!;
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          if (!isOurImage(container.image)) continue;
          for (const variable of container.env ?? []) {
            checked += 1;
            if (manifest.kind === 'Pod' && ['ORDER_URL', 'JAEGER_QUERY_URL'].includes(variable.name)) continue;
            assert.ok(
              known.has(variable.name),
              `${manifest.kind}/${manifest.metadata.name} ${container.name}: ${variable.name} is not in shared/config's schema`,
            );
          }
        }
      }
      assert.ok(checked > 50);
    });

    for (const component of components) {
      it(`gives ${component} every variable docker-compose.yml gives it`, () => {
        const composeNames = Object.keys(compose.services[component]?.environment ?? {});
        assert.ok(composeNames.length > 0, `docker-compose.yml has no environment for ${component}`);
        const deployment = manifests.find((manifest) => manifest.kind === 'Deployment' && componentOf(manifest) === component);
        assert.ok(deployment, `no Deployment for ${component}`);
        const container = podSpecOf(deployment)!.containers[0]!;
        const names = new Set((container.env ?? []).map((variable) => variable.name));
        const missing = composeNames.filter((name) => !names.has(name));
        assert.deepEqual(missing, [], `${component} misses ${missing.join(', ')}`);
      });
    }

    // The migrate-and-seed step: compose's one-shot <service>-migrate containers, where the compose file has them.
    for (const service of ['order', 'payment', 'shipping'].filter((name) => compose.services[`${name}-migrate`])) {
      it(`gives the migrate Job's ${service} container every variable docker-compose.yml gives ${service}-migrate`, () => {
        const job = manifests.find((manifest) => manifest.kind === 'Job');
        const container = podSpecOf(job!)!.containers.find((candidate) => candidate.name === service);
        const names = new Set((container?.env ?? []).map((variable) => variable.name));
        const missing = Object.keys(compose.services[`${service}-migrate`]?.environment ?? {}).filter((name) => !names.has(name));
        assert.deepEqual(missing, []);
      });
    }

    it('declares a production deployment by default (the demo tokens are refused)', () => {
      for (const manifest of workloads(manifests)) {
        for (const container of podSpecOf(manifest)!.containers) {
          const deployment = container.env?.find((variable) => variable.name === 'TRACECART_DEPLOYMENT');
          if (deployment) assert.equal(deployment.value, 'production', `${manifest.metadata.name}`);
        }
      }
    });
  });
}
