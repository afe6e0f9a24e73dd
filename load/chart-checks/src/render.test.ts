/**
 * `helm lint --strict` and `helm template` of every profile (ci/*-values.yaml), then the rendered manifests
 * validated against the Kubernetes OpenAPI schemas of the API server's minor version in strict mode
 * (kubernetes-validate: an unknown field is an error).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chartDir, kubeVersion, profiles, render, renderText, run, valuesFile, withTempFile } from './chart';

describe('the chart renders and validates strictly', () => {
  it('has the three profiles the issue names', () => {
    assert.deepEqual(profiles, ['external-database', 'kafka', 'single']);
  });

  it('passes helm lint --strict with its default values', () => {
    const result = run('helm', ['lint', '--strict', chartDir, '--kube-version', kubeVersion]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  for (const profile of profiles) {
    describe(`profile ${profile}`, () => {
      it('passes helm lint --strict', () => {
        const result = run('helm', ['lint', '--strict', chartDir, '--kube-version', kubeVersion, '-f', valuesFile(profile)]);
        assert.equal(result.status, 0, result.stdout + result.stderr);
      });

      it(`validates strictly against the Kubernetes ${kubeVersion} OpenAPI schemas`, () => {
        const text = renderText(profile);
        assert.ok(render(profile).length > 20, 'the profile renders its objects');
        const result = withTempFile(`${profile}.yaml`, text, (file) =>
          run('kubernetes-validate', ['--strict', '--kubernetes-version', kubeVersion, '--quiet', file]),
        );
        assert.equal(result.status, 0, result.stdout + result.stderr);
      });
    });
  }

  it('the validator does reject an unknown field (so a pass above means something)', () => {
    const wrong = 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80}]\n  selectr: {app: x}\n';
    const result = withTempFile('wrong.yaml', wrong, (file) =>
      run('kubernetes-validate', ['--strict', '--kubernetes-version', kubeVersion, '--quiet', file]),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.stdout + result.stderr, /selectr/);
  });
});
