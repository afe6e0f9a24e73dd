/** values.schema.json refuses a wrong value, and the message names it; the templates' own requirements too. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { chartDir, kubeVersion, namespace, releaseName, run, valuesFile } from './chart';

function templateWith(profile: string, ...sets: string[]) {
  return run('helm', [
    'template',
    releaseName,
    chartDir,
    '--namespace',
    namespace,
    '--kube-version',
    kubeVersion,
    '-f',
    valuesFile(profile),
    ...sets.flatMap((set) => ['--set', set]),
  ]);
}

describe('values.schema.json', () => {
  const refused: [string, RegExp][] = [
    ['tracing.profile=zipkin', /tracing[./]profile/],
    ['components.order.replicas=0', /components[./]order[./]replicas/],
    ['prometheus.image.tag=latest', /prometheus[./]image[./]tag/],
    ['deployment=staging', /deployment/],
    ['components.payment.resources.limits.memory=lots', /components[./]payment[./]resources[./]limits[./]memory/],
    ['tracing.profil=kafka', /profil/],
    ['secrets.scenarioToken=short', /secrets[./]scenarioToken/],
  ];
  for (const [set, named] of refused) {
    it(`refuses --set ${set} and names the value`, () => {
      const result = templateWith('single', set);
      assert.notEqual(result.status, 0, `helm template accepted ${set}`);
      assert.match(result.stderr, named);
    });
  }

  it('accepts a valid change (the schema is not simply refusing everything)', () => {
    const result = templateWith('single', 'tracing.profile=kafka', 'components.order.replicas=3', 'deployment=demo');
    assert.equal(result.status, 0, result.stderr);
  });

  it('an external PostgreSQL needs its host and password, named in the message', () => {
    const noHost = templateWith('single', 'postgresql.enabled=false', 'secrets.postgresPassword=a-long-enough-test-password');
    assert.notEqual(noHost.status, 0);
    assert.match(noHost.stderr, /postgresql\.external\.host/);
    const noPassword = templateWith('single', 'postgresql.enabled=false', 'postgresql.external.host=db.example.com');
    assert.notEqual(noPassword.status, 0);
    assert.match(noPassword.stderr, /secrets\.postgresPassword/);
  });
});

describe('the chart README', () => {
  /** Every value's dotted path; a resources block counts as one value. */
  function valuePaths(node: unknown, prefix = ''): string[] {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || Object.keys(node).length === 0 || prefix.endsWith('.resources'))
      return [prefix];
    return Object.entries(node).flatMap(([key, value]) => valuePaths(value, prefix ? `${prefix}.${key}` : key));
  }

  it('names every value of values.yaml', () => {
    const values = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as unknown;
    const readme = readFileSync(path.join(chartDir, 'README.md'), 'utf8');
    const paths = valuePaths(values);
    assert.ok(paths.length > 80, `${paths.length} values`);
    const missing = paths.filter((value) => !readme.includes(`\`${value}\``));
    assert.deepEqual(missing, []);
  });
});
