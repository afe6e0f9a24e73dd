/**
 * The Helm chart under test and the tools that render and validate it: Helm and kubernetes-validate,
 * installed and cached by `scripts/chart-tools ensure` (the unit stage runs it first; a test never builds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(__dirname, '../../..');
export const chartDir = path.join(repoRoot, 'deploy/helm/tracecart');
export const releaseName = 'tracecart';
export const namespace = 'tracecart';

/** The profiles: one values file each under the chart's ci/ folder (chart-testing's convention). */
export const profiles = readdirSync(path.join(chartDir, 'ci'))
  .filter((file) => file.endsWith('-values.yaml'))
  .map((file) => file.replace(/-values\.yaml$/, ''))
  .sort();

/** A version pinned in scripts/k8s-tools.sh, the one place the scripts and the tests read it from. */
export function pinnedVersion(variable: string): string {
  const text = readFileSync(path.join(repoRoot, 'scripts/k8s-tools.sh'), 'utf8');
  const match = new RegExp(`^${variable}=(\\S+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`scripts/k8s-tools.sh pins no ${variable}`);
  return match[1];
}

/** The API server's version the chart is checked against (scripts/test-k8s runs the same). */
export const kubeVersion = pinnedVersion('KUBE_VERSION').replace(/^v/, '');

const toolPaths = new Map<string, string>();
/** The cached tool's path; fails with the command that installs it when it is missing. */
export function toolPath(tool: 'helm' | 'kubernetes-validate'): string {
  let found = toolPaths.get(tool);
  if (!found) {
    found = execFileSync('bash', [path.join(repoRoot, 'scripts/chart-tools'), 'path', tool], { encoding: 'utf8' }).trim();
    toolPaths.set(tool, found);
  }
  return found;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(tool: 'helm' | 'kubernetes-validate', args: string[]): RunResult {
  const result = spawnSync(toolPath(tool), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: repoRoot });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function valuesFile(profile: string): string {
  return path.join(chartDir, 'ci', `${profile}-values.yaml`);
}

/** `helm template` of one profile (extra `--set` arguments allowed); throws with Helm's message on failure. */
export function renderText(profile: string, extra: string[] = []): string {
  const result = run('helm', [
    'template',
    releaseName,
    chartDir,
    '--namespace',
    namespace,
    '--kube-version',
    kubeVersion,
    '-f',
    valuesFile(profile),
    ...extra,
  ]);
  if (result.status !== 0) throw new Error(`helm template (${profile}) failed: ${result.stderr}`);
  return result.stdout;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    privileged?: boolean;
  };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  topologySpreadConstraints?: unknown[];
}

export interface Labels {
  [name: string]: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels; annotations?: Labels };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Labels };
    podSelector?: { matchLabels?: Labels };
    template?: { metadata?: { labels?: Labels }; spec: PodSpec };
    ingress?: { from?: { podSelector?: { matchLabels?: Labels } }[]; ports?: { port: number }[] }[];
    policyTypes?: string[];
  } & Partial<PodSpec>;
  data?: Record<string, string>;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null && typeof manifest === 'object');
}

const rendered = new Map<string, Manifest[]>();
/** The parsed manifests of one profile with its own values only (cached: each profile renders once). */
export function render(profile: string): Manifest[] {
  let manifests = rendered.get(profile);
  if (!manifests) {
    manifests = parseManifests(renderText(profile));
    rendered.set(profile, manifests);
  }
  return manifests;
}

/** The pod spec of a workload (Deployment, StatefulSet, Job) or of a bare Pod (the helm test). */
export function podSpecOf(manifest: Manifest): PodSpec | undefined {
  if (manifest.kind === 'Pod') return manifest.spec as PodSpec;
  return manifest.spec?.template?.spec;
}

export const workloads = (manifests: Manifest[]): Manifest[] => manifests.filter((manifest) => podSpecOf(manifest) !== undefined);

export function componentOf(manifest: Manifest): string {
  return manifest.metadata.labels?.['app.kubernetes.io/component'] ?? '';
}

/** Our images: built from the repository's Dockerfile, named tracecart-<component>. */
export const isOurImage = (image: string): boolean => /(^|\/)tracecart-[a-z]+:/.test(image);

/** Runs fn with a temporary file holding text; the file is removed afterwards. */
export function withTempFile<T>(name: string, text: string, fn: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'chart-checks-'));
  try {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
