/** docs/kubernetes.md's totals per profile, recomputed from the rendered chart (a stale table fails). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { podSpecOf, profiles, render, repoRoot } from './chart';

const cpuMillis = (quantity: string): number => (quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000);
const mebibytes = (quantity: string): number =>
  quantity.endsWith('Gi') ? Number(quantity.slice(0, -2)) * 1024 : Number(quantity.replace(/Mi$/, ''));

/** Pods, CPU and memory requests and memory limits of the long-running pods (Deployments and StatefulSets). */
function totals(profile: string): string {
  let pods = 0;
  let cpu = 0;
  let memory = 0;
  let limit = 0;
  for (const manifest of render(profile).filter((candidate) => candidate.kind === 'Deployment' || candidate.kind === 'StatefulSet')) {
    const replicas = manifest.spec?.replicas ?? 1;
    pods += replicas;
    for (const container of podSpecOf(manifest)!.containers) {
      cpu += replicas * cpuMillis(container.resources?.requests?.cpu ?? '0');
      memory += replicas * mebibytes(container.resources?.requests?.memory ?? '0');
      limit += replicas * mebibytes(container.resources?.limits?.memory ?? '0');
    }
  }
  return `| ${profile} | ${pods} | ${cpu}m | ${memory}Mi | ${limit}Mi |`;
}

describe('docs/kubernetes.md sizing', () => {
  const docs = readFileSync(path.join(repoRoot, 'docs/kubernetes.md'), 'utf8');
  for (const profile of profiles) {
    it(`states the ${profile} profile's totals`, () => {
      const line = totals(profile);
      assert.ok(docs.split('\n').includes(line), `docs/kubernetes.md lacks the line ${line}`);
    });
  }
});
