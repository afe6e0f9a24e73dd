/**
 * One source for the Jaeger, Prometheus and RabbitMQ configurations: the chart reaches the repository's
 * jaeger/, prometheus/ and rabbitmq/ folders through links under its files/, and the rendered ConfigMaps
 * hold the same bytes (Jaeger: every address comes from the environment) or, for Prometheus, the same
 * configuration except the scrape target's address.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { chartDir, render, repoRoot, type Manifest } from './chart';

const repoFile = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const configMap = (manifests: Manifest[], suffix: string): Manifest => {
  const found = manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name.endsWith(suffix));
  assert.ok(found, `no ConfigMap named *${suffix}`);
  return found;
};

describe('configuration has one source', () => {
  it('files/ links to the repository folders', () => {
    for (const folder of ['jaeger', 'prometheus', 'rabbitmq']) {
      const link = path.join(chartDir, 'files', folder);
      assert.equal(readlinkSync(link), `../../../../${folder}`);
      assert.equal(realpathSync(link), path.join(repoRoot, folder));
    }
  });

  it('the single profile mounts jaeger/ byte for byte', () => {
    const data = configMap(render('single'), '-jaeger').data ?? {};
    for (const file of ['config.yaml', 'sampling-off.yaml', 'sampling-tail.yaml', 'sampling-strategies.json', 'ui-config.json']) {
      assert.equal(data[file], repoFile(`jaeger/${file}`), file);
    }
  });

  it('the kafka profile mounts jaeger/pipeline/ byte for byte', () => {
    const data = configMap(render('kafka'), '-jaeger-pipeline').data ?? {};
    for (const file of ['collector.yaml', 'ingester.yaml', 'query.yaml'])
      assert.equal(data[file], repoFile(`jaeger/pipeline/${file}`), file);
    assert.equal(data['sampling-strategies.json'], repoFile('jaeger/sampling-strategies.json'));
  });

  for (const profile of ['single', 'kafka']) {
    it(`Prometheus (${profile}) is prometheus/prometheus.yml with only the scrape target's address changed`, () => {
      const rendered = parse(configMap(render(profile), '-prometheus').data?.['prometheus.yml'] ?? '') as {
        scrape_configs: Record<string, unknown>[];
      };
      const source = parse(repoFile('prometheus/prometheus.yml')) as { scrape_configs: Record<string, unknown>[] };
      const withoutTargets = (config: { scrape_configs: Record<string, unknown>[] }) => ({
        ...config,
        scrape_configs: config.scrape_configs.map(({ static_configs: _static, dns_sd_configs: _dns, ...rest }) => rest),
      });
      assert.deepEqual(withoutTargets(rendered), withoutTargets(source));
      const job = rendered.scrape_configs[0]!;
      if (profile === 'single') assert.deepEqual(job.static_configs, [{ targets: ['tracecart-jaeger:8889'] }]);
      else assert.deepEqual(job.dns_sd_configs, [{ names: ['tracecart-jaeger-collector-headless'], type: 'A', port: 8889 }]);
    });
  }

  it('RabbitMQ gets rabbitmq/tracecart.conf byte for byte', () => {
    assert.equal(configMap(render('single'), '-rabbitmq').data?.['90-tracecart.conf'], repoFile('rabbitmq/tracecart.conf'));
  });
});
