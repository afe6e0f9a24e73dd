/**
 * The Jaeger configurations the Helm chart mounts (its rendered ConfigMaps, profiles single and kafka) pass
 * `jaeger validate` with the stack's own Jaeger binary, expanded with the environment the chart gives each
 * Jaeger container. In the e2e stage: the binary exists once the stack has started; Helm was installed by
 * the unit stage (scripts/chart-tools).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const repoRoot = path.resolve(__dirname, '../../..');
const chartDir = path.join(repoRoot, 'deploy/helm/tracecart');
const tool = (name: string): string =>
  execFileSync('bash', [path.join(repoRoot, 'scripts/chart-tools'), 'path', name], { encoding: 'utf8' }).trim();

interface Env {
  name: string;
  value?: string;
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec: { containers: { name: string; args?: string[]; env?: Env[] }[] } } };
}

function render(profile: string, ...sets: string[]): Manifest[] {
  const args = [
    'template',
    'tracecart',
    chartDir,
    '-f',
    path.join(chartDir, 'ci', `${profile}-values.yaml`),
    ...sets.flatMap((set) => ['--set', set]),
  ];
  const text = execFileSync(tool('helm'), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** Runs `jaeger validate` on the container's --config files, written from the ConfigMap into a temporary /etc/jaeger. */
function validate(configMap: Manifest, container: { args?: string[]; env?: Env[] }): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chart-jaeger-'));
  try {
    for (const [file, text] of Object.entries(configMap.data ?? {})) writeFileSync(path.join(dir, file), text);
    const args = (container.args ?? []).map((arg) => arg.replace(/^\/etc\/jaeger\//, `${dir}/`));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      JAEGER_UI_CONFIG: path.join(dir, 'ui-config.json'),
      JAEGER_SAMPLING_STRATEGIES: path.join(dir, 'sampling-strategies.json'),
    };
    for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
    const result = spawnSync(tool('jaeger'), ['validate', ...args], { encoding: 'utf8', env, timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the chart's Jaeger configurations pass jaeger validate", () => {
  const cases: [string, string[], string, string[]][] = [
    ['single', [], '-jaeger', ['tracecart-jaeger']],
    ['single', ['tracing.sampling=tail'], '-jaeger', ['tracecart-jaeger']],
    ['kafka', [], '-jaeger-pipeline', ['tracecart-jaeger-collector', 'tracecart-jaeger-ingester', 'tracecart-jaeger-query']],
  ];
  for (const [profile, sets, configSuffix, deployments] of cases) {
    for (const deploymentName of deployments) {
      it(`${profile}${sets.length ? ` (${sets.join(', ')})` : ''}: ${deploymentName}`, () => {
        const manifests = render(profile, ...sets);
        const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name.endsWith(configSuffix));
        const deployment = manifests.find((manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === deploymentName);
        assert.ok(configMap && deployment);
        const container = deployment.spec!.template!.spec.containers[0]!;
        const result = validate(configMap, container);
        assert.equal(result.status, 0, result.output);
      });
    }
  }

  it('and jaeger validate does refuse a broken configuration', () => {
    const manifests = render('single');
    const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name.endsWith('-jaeger'))!;
    const config = configMap.data?.['config.yaml'] ?? '';
    assert.ok(config.includes('exporters: [spanmetrics]'));
    // A pipeline naming an exporter that is not configured: valid YAML, refused by the collector's validation.
    const broken = {
      ...configMap,
      data: { ...configMap.data, 'config.yaml': config.replace('exporters: [spanmetrics]', 'exporters: [no_such_exporter]') },
    };
    const deployment = manifests.find((manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === 'tracecart-jaeger')!;
    const result = validate(broken, deployment.spec!.template!.spec.containers[0]!);
    assert.notEqual(result.status, 0, result.output);
  });
});
